import RobotHardware

/// A hand-written controller that runs one robot's cycle (pick → carry → align → insert →
/// release → fasten) from ground truth: the upper bound for learned policies and the source of
/// their demonstrations.
///
/// What it reads: the nut's true pose in the feeder before it picks, the pin's pose, the nominal
/// models. What it does not read: the nut's offset in the fingers after the pick, or anything that
/// happens during a move — a real robot learns those only by touch. So the failure modes it can't
/// see (grip variation, phase slip at the pin, a strong magnet, pushes) still cost it cycles,
/// which is how its success rate answers to each failure rate.
public struct ScriptedExpert: Sendable {
  /// How a cycle ended.
  public enum CycleResult: String, Sendable, Hashable, CaseIterable {
    /// The nut is fastened.
    case fastened
    /// The nut ended on the pin without engaging (phase, offset) and the fixture refused it.
    case notSeated
    /// The nut cross-threaded while fastened.
    case crossThreaded
    /// The nut fell (slip, release away from the pin).
    case dropped
    /// The fingers closed on nothing.
    case missedGrasp
    /// The robot fell.
    case fallen
    /// A move did not finish in time.
    case timedOut
  }

  enum Phase: Sendable, Equatable {
    case waitForNut, approach, descend, close, lift, carry, lower, insert, settle, open, retreat, fasten, finished
  }

  /// The robot it drives.
  public let robot: Int
  /// Speed of free moves, m/s.
  public var freeSpeedMPerS = 0.35
  /// Speed of the last centimetres to the nut and onto the pin, m/s.
  public var fineSpeedMPerS = 0.05
  /// Grip force, newtons.
  public var gripForceN = 20.0

  /// The cycle's result once it has ended.
  public private(set) var result: CycleResult?
  /// The phase now (for logs and demonstrations).
  var phase = Phase.waitForNut
  /// The phase now, as a word (logs, demonstrations).
  public var phaseName: String { "\(phase)" }
  private var command = JointCommandInterfaces.holdingHome
  private var armTargetRad = [Double](repeating: 0, count: 7)
  private var previousTargetRad = [Double](repeating: 0, count: 7)
  private var delta = [Double](repeating: 0, count: 7)
  private var start = Pose3(positionM: .zero, rotation: .identity)
  private var startYawRad = 0.0
  private var goalM = Vector3.zero
  private var goalYawRad = 0.0
  private var segmentS = 0.0
  private var elapsedS = 0.0
  private var waitedS = 0.0
  private var graspYawRad = 0.0
  private var nutYawInFeederRad = 0.0
  private var phaseStartStep: UInt64 = 0

  /// An expert for `robot`, starting from the robot's present joint positions.
  public init(robot: Int, world: CellWorld) {
    self.robot = robot
    let q = world.trueJointPositionsRad(robot: robot)
    for j in 0..<RobotLayout.jointCount { command.positionRad[j] = q[q.startIndex + j] }
    for i in 0..<7 { armTargetRad[i] = command.positionRad[RobotLayout.workingArm * 7 + i] }
    previousTargetRad = armTargetRad
  }

  /// Starts a new cycle (the previous one must have ended or never begun).
  public mutating func startCycle() {
    result = nil
    phase = .waitForNut
  }

  /// Computes this tick's command from the world and hands it to the world. Call once per step.
  public mutating func act(world: inout CellWorld) {
    defer { world.setCommand(robot: robot, command) }
    guard result == nil, phase != .finished else { return }
    let truth = world.truth(robot: robot)
    if truth.fallen { return finish(.fallen) }
    if truth.nutState == .dropped { return finish(.dropped) }
    let dt = CellWorld.stepS
    elapsedS += dt
    let nut = world.config.nut
    let seat = world.pinSeatM(robot: robot)
    let aboveM = 0.06
    switch phase {
    case .waitForNut:
      guard truth.nutState == .inFeeder else { return }
      nutYawInFeederRad = truth.nutYawRad
      setGripper(open: true)
      begin(.approach, world: world, to: truth.nutPositionM + Vector3(0, 0, aboveM), yaw: truth.tcp.rotation.yawRad)
    case .approach:
      if track(world: world, speed: freeSpeedMPerS) {
        begin(.descend, world: world, to: truth.nutPositionM, yaw: goalYawRad)
      }
    case .descend:
      if track(world: world, speed: 2 * fineSpeedMPerS) {
        setGripper(open: false)
        graspYawRad = goalYawRad
        phase = .close
        waitedS = 0
      }
    case .close:
      waitedS += dt
      if truth.nutState == .inGripper, world.gripperWidthM(robot: robot) <= 2 * nut.outerRadiusM + 1e-6, waitedS > 0.1 {
        begin(.lift, world: world, to: goalM + Vector3(0, 0, aboveM), yaw: goalYawRad)
      } else if world.gripperWidthM(robot: robot) < 2 * nut.outerRadiusM - 0.002 {
        finish(.missedGrasp)
      } else if waitedS > 1 {
        finish(.timedOut)
      }
    case .lift:
      if track(world: world, speed: freeSpeedMPerS) {
        // Turn so the nut's spline meets the pin's, assuming the nut sits in the fingers as it
        // lay in the feeder.
        let phaseRad = nut.phaseErrorDeg(nutYawRad: nutYawInFeederRad, pinYawRad: world.pinYawRad) * .pi / 180
        let top = seat.z + nut.pinLengthM + nut.heightM / 2
        begin(.carry, world: world, to: Vector3(seat.x, seat.y, top + 0.04), yaw: graspYawRad - phaseRad)
      }
    case .carry:
      if track(world: world, speed: freeSpeedMPerS) {
        let top = seat.z + nut.pinLengthM + nut.heightM / 2
        begin(.lower, world: world, to: Vector3(seat.x, seat.y, top + 0.003), yaw: goalYawRad)
      }
    case .lower:
      // The pin's magnet may hold the nut off the goal: go on and let the pin decide.
      if track(world: world, speed: freeSpeedMPerS / 2, tolerateBlocking: true) {
        begin(.insert, world: world, to: Vector3(seat.x, seat.y, seat.z + nut.heightM / 2 - 0.001), yaw: goalYawRad)
      }
    case .insert:
      if track(world: world, speed: fineSpeedMPerS, tolerateBlocking: true) {
        phase = .settle
        waitedS = 0
      }
    case .settle:
      waitedS += dt
      if waitedS > 0.15 {
        setGripper(open: true)
        phase = .open
        waitedS = 0
      }
    case .open:
      waitedS += dt
      if waitedS > 0.25 {
        begin(.retreat, world: world, to: goalM + Vector3(0, 0, aboveM), yaw: goalYawRad)
      }
    case .retreat:
      if track(world: world, speed: freeSpeedMPerS) { phase = .fasten }
    case .fasten:
      switch world.fasten(robot: robot) {
      case .fastened: finish(.fastened)
      case .crossThreaded: finish(.crossThreaded)
      case .notSeated: finish(.notSeated)
      case .noNut: finish(.dropped)
      }
    case .finished:
      break
    }
  }

  private mutating func finish(_ outcome: CycleResult) {
    result = outcome
    phase = .finished
    for j in 0..<7 { command.velocityRadPerS[RobotLayout.workingArm * 7 + j] = 0 }
  }

  private mutating func setGripper(open: Bool) {
    command.gripperWidthM[RobotLayout.workingArm] = open ? 0.045 : 0
    command.gripperForceN[RobotLayout.workingArm] = gripForceN
  }

  private mutating func begin(_ next: Phase, world: CellWorld, to goal: Vector3, yaw: Double) {
    let arm = world.config.arm
    let base = RobotLayout.world(RobotLayout.armBaseM[RobotLayout.workingArm], robot: robot)
      + world.torsoOffsetM(robot: robot)
    start = armTargetRad.withUnsafeBufferPointer { arm.forward($0.baseAddress!) }
    start.positionM += base
    startYawRad = start.rotation.yawRad
    goalM = goal
    // Turn the short way.
    goalYawRad = startYawRad + wrap(yaw - startYawRad, period: 2 * .pi)
    phase = next
    elapsedS = 0
    phaseStartStep = world.stepIndex
  }

  /// Follows the straight segment from `start` to the goal; true once the TCP has arrived.
  private mutating func track(world: CellWorld, speed: Double, tolerateBlocking: Bool = false) -> Bool {
    let distance = length(goalM - start.positionM)
    let turn = abs(goalYawRad - startYawRad)
    segmentS = max(distance / speed, turn / 1.5, 0.05)
    let s = min(elapsedS / segmentS, 1)
    let blend = s * s * (3 - 2 * s)
    // The arm base sways with the torso: plan in the world frame, solve from where the base is.
    let target = Pose3(
      positionM: start.positionM + (goalM - start.positionM) * blend,
      rotation: .pointingDown(yawRad: startYawRad + (goalYawRad - startYawRad) * blend))
    let base = RobotLayout.world(RobotLayout.armBaseM[RobotLayout.workingArm], robot: robot)
      + world.torsoOffsetM(robot: robot)
    let local = Pose3(positionM: target.positionM - base, rotation: target.rotation)
    let arm = world.config.arm
    let errors = armTargetRad.withUnsafeBufferPointer { q in
      delta.withUnsafeMutableBufferPointer { d in
        arm.solveStep(from: q.baseAddress!, toward: local, maxStepRad: 0.004, into: d.baseAddress!)
      }
    }
    for i in 0..<7 {
      previousTargetRad[i] = armTargetRad[i]
      armTargetRad[i] = min(
        max(armTargetRad[i] + delta[i], RobotLayout.positionMinRad[i] + 0.01), RobotLayout.positionMaxRad[i] - 0.01)
      let j = RobotLayout.workingArm * 7 + i
      command.positionRad[j] = armTargetRad[i]
      command.velocityRadPerS[j] = (armTargetRad[i] - previousTargetRad[i]) / CellWorld.stepS
    }
    guard s >= 1 else { return false }
    let actual = world.tcpPose(robot: robot).positionM
    let arrived = errors.positionErrorM < 0.0005 && (length(actual - goalM) < 0.001 || tolerateBlocking)
    if arrived && elapsedS > segmentS + 0.05 { return true }
    if elapsedS > segmentS + (tolerateBlocking ? 0.3 : 2) {
      if tolerateBlocking { return true }
      finish(.timedOut)
    }
    return false
  }

  /// Runs one full cycle for one robot: presents a nut, acts until the cycle ends (or
  /// `timeoutS` of simulated time pass). Other robots hold their last command.
  public static func runCycle(world: inout CellWorld, expert: inout ScriptedExpert, timeoutS: Double = 30) -> CycleResult {
    world.presentNut(robot: expert.robot)
    expert.startCycle()
    let deadline = world.stepIndex + UInt64(timeoutS / CellWorld.stepS)
    while expert.result == nil, world.stepIndex < deadline {
      expert.act(world: &world)
      world.step()
    }
    let outcome = expert.result ?? .timedOut
    world.removeNut(robot: expert.robot)
    // Back to the start pose for the next cycle.
    return outcome
  }
}
