import CellWorld
import PolicyRuntime

/// Builds the policy's observation from the simulated world the way the fleet would: joints from
/// the encoders, the nut's pose and spline phase from ground truth plus noise shaped like
/// perception's error, the grasp state from the nut's state, and the cycle step from a simple
/// rule a sequencer could apply to perception's answers (documented in the model card).
struct SimObserver {
  /// Perception-like noise: σ of the nut position per axis (m), of the yaw and phase (degrees).
  struct Noise {
    var positionSigmaM = 0.0005
    var yawSigmaDeg = 1.0
    var phaseSigmaDeg = 1.0
  }

  let robot: Int
  var noise = Noise()
  var random: SplitMix64
  private var state = JointStateFrame()

  init(robot: Int, seed: UInt64) {
    self.robot = robot
    random = SplitMix64(seed: seed)
  }

  /// The cycle step a sequencer would be in, from what perception reports: nut at the feeder →
  /// reach (the policy decides when to close), held and farther than 10 mm sideways from the pin →
  /// carry, held near the pin → insert, nut left on the pin or dropped → release/retreat.
  static func cycleStep(nutState: NutState, nutInTorsoM: Vector3) -> PolicyCycleStep {
    switch nutState {
    case .inFeeder: return .reach
    case .inGripper:
      let dx = nutInTorsoM.x - RobotLayout.pinSeatM.x
      let dy = nutInTorsoM.y - RobotLayout.pinSeatM.y
      return (dx * dx + dy * dy).squareRoot() > 0.010 ? .carry : .insert
    case .pinSeated, .pinNotSeated, .dropped, .fastened, .crossThreaded: return .releaseRetreat
    case .none: return .unspecified
    }
  }

  mutating func observe(world: inout CellWorld, sequence: UInt64) -> PolicyObservation {
    world.readState(robot: robot, into: &state)
    let first = RobotLayout.workingArm * 7
    let joints = (0..<7).map { state.positionRad[first + $0] }
    let truth = world.truth(robot: robot)
    let torso = RobotLayout.robotBaseM[robot] + world.torsoOffsetM(robot: robot)
    let nutTrue = truth.nutPositionM - torso
    let nut = nutTrue + Vector3(random.normal(), random.normal(), random.normal()) * noise.positionSigmaM
    let yaw = truth.nutYawRad + noise.yawSigmaDeg * .pi / 180 * random.normal()
    var phase = truth.splinePhaseErrorDeg + noise.phaseSigmaDeg * random.normal()
    phase = (phase + 15).truncatingRemainder(dividingBy: 30)
    if phase < 0 { phase += 30 }
    phase -= 15
    let holding = truth.nutState == .inGripper
    let seated = holding && !truth.slipping && abs(truth.gripOffsetM.y) < 0.001
    return PolicyObservation(
      sequence: sequence, observedAtS: world.simTimeS, armJointPositionsRad: joints,
      gripperWidthM: state.gripperWidthM[RobotLayout.workingArm], nutPositionInTorsoM: nut,
      tcpPositionInTorsoM: world.tcpPose(robot: robot).positionM - torso, nutYawRad: yaw,
      splinePhaseDeg: phase, holding: holding, seated: seated,
      cycleStep: Self.cycleStep(nutState: truth.nutState, nutInTorsoM: nutTrue))
  }
}
