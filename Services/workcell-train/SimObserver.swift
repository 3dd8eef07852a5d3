import CellWorld
import CycleSequencing
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
  var random: WorldRandom
  private var state = JointStateFrame()

  init(robot: Int, seed: UInt64) {
    self.robot = robot
    random = WorldRandom(seed: seed)
  }

  /// The step reached in this cycle: steps only advance (a sequencer does not go back).
  private(set) var step = PolicyCycleStep.unspecified

  /// A new cycle: the step starts again from reach.
  mutating func startCycle() { step = .unspecified }

  /// The cycle step a sequencer would be in, from what it knows: perception's nut pose and grasp
  /// state, the arm's forward kinematics, the pin's place in the cell. Nut in the feeder → reach
  /// until the fingers are over the nut (within 5 mm sideways, less than 70 mm above), then
  /// grasp; held → carry until the nut is within 10 mm sideways of the pin, then insert until the
  /// fixture's NUT_SEATED (the nut down on the pin's seat, within 0.5 mm), then release/retreat
  /// (open and back away); a nut dropped → release/retreat. Steps never go back within a cycle.
  static func cycleStep(
    nutState: NutState, nutFromTcpM: Vector3, nutFromPinM: Vector3, seatedOnPin: Bool, reached: PolicyCycleStep
  ) -> PolicyCycleStep {
    let step: PolicyCycleStep
    switch nutState {
    case .inFeeder:
      step = MotionGoals.reachDone(nutFromTcpM: nutFromTcpM) ? .grasp : .reach
    case .inGripper:
      step = seatedOnPin ? .releaseRetreat : MotionGoals.carryDone(nutFromPinM: nutFromPinM) ? .insert : .carry
    case .pinSeated, .pinNotSeated, .dropped, .fastened, .crossThreaded: step = .releaseRetreat
    case .none: step = .unspecified
    }
    return step.rawValue > reached.rawValue ? step : reached
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
    let tcp = world.tcpPose(robot: robot).positionM - torso
    // The pin is part of the cell's layout: exact, moved by the torso's sway (which control's
    // balance estimate knows), not measured by vision.
    let pin = world.pinSeatM(robot: robot) - torso
    // NUT_SEATED: the fixture's sensor sees the nut down on the seat, centred on the pin.
    let seatOffset = truth.nutPositionM - world.pinSeatM(robot: robot)
    let seatedOnPin = seatOffset.z < world.config.nut.heightM / 2 + 0.0005
      && (seatOffset.x * seatOffset.x + seatOffset.y * seatOffset.y).squareRoot() < world.config.nut.lateralCaptureM
    step = Self.cycleStep(
      nutState: truth.nutState, nutFromTcpM: nut - tcp, nutFromPinM: nut - pin, seatedOnPin: seatedOnPin, reached: step)
    let holding = truth.nutState == .inGripper
    let seated = PolicyObservation.seated(holding: holding, slipping: truth.slipping, acrossPadsM: truth.gripOffsetM.y)
    return PolicyObservation(
      sequence: sequence, observedAtS: world.simTimeS, armJointPositionsRad: joints,
      gripperWidthM: state.gripperWidthM[RobotLayout.workingArm], nutPositionInTorsoM: nut,
      tcpPositionInTorsoM: tcp, pinSeatInTorsoM: pin, nutYawRad: yaw, splinePhaseDeg: phase, holding: holding, seated: seated,
      cycleStep: step, armJointVelocitiesRadPerS: (0..<7).map { state.velocityRadPerS[first + $0] })
  }
}
