/// The failure modes the world itself produces (the PLC-only faults live in the simulated PLCs).
/// Raw values match `workcell.sim.v1.FaultKind`.
public enum WorldFault: Int, Sendable, Hashable, CaseIterable {
  /// The nut turns in the gripper on contact with the pin, beyond the turns the chamfer's impact
  /// causes (NutModel+Causes); opportunity: each insertion.
  case splinePhaseError = 1
  /// Large offset and low friction of a grasp; opportunity: each pick.
  case gripVariation = 2
  /// Strong magnetic pull of the positioning pin; opportunity: each approach to the pin.
  case magneticPull = 3
  /// A glare patch on a camera frame; opportunity: each frame of each camera.
  case cameraGlare = 4
  /// An occluder in a camera frame; opportunity: each frame of each camera.
  case cameraOcclusion = 5
  /// A spurious contact on a fingertip array; opportunity: each tactile frame of each finger.
  case unexpectedTactileContact = 6
  /// The nut cross-threads while fastened, beyond what its seating causes (NutModel+Causes);
  /// opportunity: each fastening of a seated nut.
  case crossThread = 10
  /// A horizontal push on the torso; opportunity: each simulated second, per robot.
  case push = 14

  /// The size an injection uses when it gives none, in the kind's unit.
  public var defaultMagnitude: Double {
    switch self {
    case .splinePhaseError: 10  // degrees
    case .gripVariation: 3  // millimetres
    case .magneticPull: 8  // newtons, on top of the nominal pull
    case .cameraGlare: 0.08  // fraction of the frame
    case .cameraOcclusion: 0.15  // fraction of the frame
    case .unexpectedTactileContact: 60  // kilopascals
    case .crossThread: 0
    case .push: 60  // newtons
    }
  }

  /// The rate in force after Reset unless the configuration says otherwise.
  public var defaultRate: Double {
    switch self {
    case .splinePhaseError: 0.015  // the residual: the chamfer's impact turns nuts too (NutModel+Causes)
    case .gripVariation: 0.04
    case .magneticPull: 0.03
    case .cameraGlare: 0.05
    case .cameraOcclusion: 0.03
    case .unexpectedTactileContact: 0.02
    case .crossThread: 0.0003  // the residual: the seating sets the rest (NutModel+Causes)
    case .push: 0
    }
  }
}

/// A fault armed by hand (tests, the demo): it triggers at the kind's next opportunities.
public struct FaultInjection: Sendable, Hashable {
  /// Which failure mode.
  public var kind: WorldFault
  /// Robot index (0 = left side, 1 = right side); nil = every robot.
  public var robot: Int?
  /// Camera id for camera faults; nil = every camera of the robot.
  public var camera: String?
  /// Size in the kind's unit; 0 = the kind's default.
  public var magnitude: Double
  /// Chance per opportunity while armed; 0 = certain.
  public var probability: Double
  /// How long it stays armed (for a push: how long it pushes); nil = until it triggers once
  /// (for a push: 0.2 s).
  public var durationS: Double?

  /// An injection; see the properties.
  public init(
    kind: WorldFault, robot: Int? = nil, camera: String? = nil, magnitude: Double = 0, probability: Double = 0,
    durationS: Double? = nil
  ) {
    self.kind = kind
    self.robot = robot
    self.camera = camera
    self.magnitude = magnitude
    self.probability = probability
    self.durationS = durationS
  }
}
