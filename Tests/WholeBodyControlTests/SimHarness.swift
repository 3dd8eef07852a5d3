import CellWorld
import JointBus
import RobotHardware
import WholeBodyControl

/// CellWorld and a controller in one process, exchanging real joint-bus datagrams each 1 ms tick
/// (encode → decode both ways), as cell-sim and the control service over UDP: the controller's
/// state and command interfaces go through the bus's codec on their way. With `overBus: false`
/// the world is the hardware directly (the in-process fast path: its state into the state
/// interfaces, the command interfaces into its command, no datagram).
struct SimHarness {
  /// Whether the interfaces travel as joint-bus datagrams.
  let overBus: Bool
  var world: CellWorld
  var controller: WholeBodyController
  var state = JointStateInterfaces()
  var command = JointCommandInterfaces()
  var measuredInterfaces = JointStateInterfaces()
  var received = JointBusState()
  var sent = JointBusCommand()
  var measured = JointStateFrame()
  var commandFrame = JointCommandInterfaces.holdingHome
  var stateBytes = [UInt8](repeating: 0, count: JointBus.stateSize)
  var commandBytes = [UInt8](repeating: 0, count: JointBus.commandSize)
  var audit: CommandAudit
  var decoded = JointBusCommand()

  init(seed: UInt64 = 7, config: WholeBodyController.Config = .defaults, overBus: Bool = true) {
    self.overBus = overBus
    var worldConfig = CellWorldConfig.withoutFailures
    worldConfig.robotCount = 1
    worldConfig.cameraHz = 0
    worldConfig.tactileHz = 0
    world = CellWorld(seed: seed, config: worldConfig)
    controller = WholeBodyController(config: config)
    audit = CommandAudit(limits: config.limits)
  }

  /// Simulated time, nanoseconds (the controller's clock).
  var nowNanoseconds: UInt64 { world.stepIndex * 1_000_000 }

  /// One tick: state out of the world, through the bus codec, into the controller; its command
  /// audited, through the codec, into the world; the world steps 1 ms.
  @discardableResult
  mutating func tick() -> ControlTick {
    world.readState(robot: 0, into: &measured)
    guard overBus else {
      measured.copy(into: &state, measuredAtNanoseconds: nowNanoseconds)
      let outcome = controller.update(state: state, nowNanoseconds: nowNanoseconds, command: &command)
      audit.check(command, state: state)
      world.setCommand(robot: 0, command)
      world.step()
      return outcome
    }
    measured.copy(into: &measuredInterfaces, measuredAtNanoseconds: nowNanoseconds)
    var message = JointBusState()
    message.header = .init(robot: 0, sequence: world.stepIndex, timestampNs: nowNanoseconds)
    message.setMeasurements(from: measuredInterfaces)
    message.status = measured.fallen ? 1 : 0
    stateBytes.withUnsafeMutableBytes { message.encode(into: $0) }
    try! received.decode(stateBytes)
    received.copy(into: &state)

    let outcome = controller.update(state: state, nowNanoseconds: nowNanoseconds, command: &command)
    audit.check(command, state: state)

    sent.setTargets(from: command)
    sent.header = .init(robot: 0, sequence: world.stepIndex, timestampNs: nowNanoseconds)
    commandBytes.withUnsafeMutableBytes { sent.encode(into: $0) }
    try! decoded.decode(commandBytes)
    commandFrame.positionRad = decoded.positionRad
    commandFrame.velocityRadPerS = decoded.velocityRadPerS
    commandFrame.torqueNm = decoded.torqueNm
    commandFrame.kp = decoded.kp
    commandFrame.kd = decoded.kd
    commandFrame.gripperWidthM = decoded.gripperWidthM
    commandFrame.gripperForceN = decoded.gripperForceN
    world.setCommand(robot: 0, commandFrame)
    world.step()
    return outcome
  }

  /// Runs `milliseconds` ticks, collecting the chunks that ended.
  @discardableResult
  mutating func run(milliseconds: Int, each: (inout SimHarness, ControlTick) -> Void = { _, _ in }) -> [ChunkProgress] {
    var ended: [ChunkProgress] = []
    for _ in 0..<milliseconds {
      let outcome = tick()
      if let done = outcome.endedChunk { ended.append(done) }
      each(&self, outcome)
    }
    return ended
  }

  /// Largest true joint speed now, rad/s.
  var peakSpeedRadPerS: Double { world.trueJointVelocitiesRadPerS(robot: 0).map(abs).max() ?? 0 }

  /// True joint positions, radians.
  var positionsRad: [Double] { Array(world.trueJointPositionsRad(robot: 0)) }

  /// A chunk for the right arm (joints 8–14) with `steps` targets from `target(step, joint)`.
  func rightArmChunk(
    id: String, steps: Int = 25, stepPeriodMs: UInt32 = 20, startingInMs: UInt64 = 0, lifetimeMs: UInt64? = nil,
    target: (Int, Int) -> Double
  ) -> ActionChunk {
    let start = nowNanoseconds + startingInMs * 1_000_000
    let lifetime = (lifetimeMs ?? UInt64(steps) * UInt64(stepPeriodMs)) * 1_000_000
    return try! ActionChunk(
      chunkID: id, stepPeriodMs: stepPeriodMs, observedAtNanoseconds: start, expiresAtNanoseconds: start + lifetime,
      jointNames: (1...7).map { "right_arm_joint_\($0)" },
      jointPositionsRad: (0..<steps).map { step in (0..<7).map { target(step, $0) } })
  }
}

/// The home posture of one arm, radians.
let armHomeRad = RobotLayout.homeRad
