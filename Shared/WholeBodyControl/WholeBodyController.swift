import RobotHardware

/// The 1 kHz whole-body control law of one robot, pure (no clocks, no sockets): like
/// ros2_control's read → update → write, whoever drives it reads the robot's state interfaces
/// (``JointStateInterfaces``), calls ``update(state:nowNanoseconds:command:)`` and writes the
/// command interfaces it filled (``JointCommandInterfaces``) to the robot. The controller knows no
/// transport: the UDP joint bus (control's loop), a simulated world in the same process
/// (`JointBusHub`, cell-sim) and the trainer's and tests' loops are the hardware. Chunks come in through
/// ``accept(_:nowNanoseconds:)``; supervisory requests through ``hold(nowNanoseconds:)``,
/// ``home(nowNanoseconds:)``, ``stop(_:nowNanoseconds:)``, ``resume(nowNanoseconds:)`` and the
/// safety input ``setSafetyChain(open:nowNanoseconds:)``.
///
/// Every mode writes one reference (position, velocity); the limiter turns it into the command,
/// the single place position, velocity, acceleration and torque limits are enforced. `update`
/// allocates nothing: every array is sized at init.
public struct WholeBodyController: Sendable {
  /// The configuration.
  public let config: Config
  /// Modes and staged stops.
  public internal(set) var machine = ControlModeMachine()
  /// Progress of the chunk being tracked; nil when none.
  public internal(set) var progress: ChunkProgress?
  /// The balance estimator (its `estimate` is this tick's picture).
  public internal(set) var balance: BalanceEstimator
  /// The balance correction added while holding or tracking.
  public let correction: any BalanceCorrection

  var limiter: JointLimiter
  var trajectory: ChunkTrajectory?
  // The reference before the balance correction, bus order.
  var basePositionRad: [Double]
  var baseVelocityRadPerS: [Double]
  var baseAccelerationRadPerS2: [Double]
  var referencePositionRad: [Double]
  var offsetsRad: [Double]
  var gripperWidthM: [Double]
  var gripperForceN: [Double]
  // Homing: a minimum-jerk move from `homeStartRad`.
  var homeStartRad: [Double]
  var homeStartNanoseconds: UInt64 = 0
  var homeDurationS = 0.0
  var stopStartedNanoseconds: UInt64 = 0
  var lastStateNanoseconds: UInt64?
  var powered = false
  var gripperSeeded = false

  /// A controller in `disabled` until the first state.
  public init(config: Config = .defaults, correction: any BalanceCorrection = AnalyticBalanceCorrection()) {
    self.config = config
    self.correction = correction
    balance = BalanceEstimator(config: config.balance)
    limiter = JointLimiter(limits: config.limits, gains: config.gains, periodS: Double(config.periodNanoseconds) / 1e9)
    let zeros = [Double](repeating: 0, count: config.limits.jointCount)
    basePositionRad = zeros
    baseVelocityRadPerS = zeros
    baseAccelerationRadPerS2 = zeros
    referencePositionRad = zeros
    offsetsRad = zeros
    homeStartRad = zeros
    gripperWidthM = [Double](repeating: config.limits.gripperMaxWidthM, count: config.limits.gripperNames.count)
    gripperForceN = [Double](repeating: 20, count: config.limits.gripperNames.count)
  }

  /// The current mode.
  public var mode: ControlMode { machine.mode }

  /// The reference the limiter was given on the last tick (balance correction included), radians.
  public var referenceRad: [Double] { referencePositionRad }

  /// One control tick: folds in `state`, advances the mode's reference, limits it and writes the
  /// command for this tick into `command` (reuse one command; nothing is allocated). Joints and
  /// grippers are in the limits' order (the robot description's bus order).
  public mutating func update(
    state: JointStateInterfaces, nowNanoseconds now: UInt64, command: inout JointCommandInterfaces
  ) -> ControlTick {
    lastStateNanoseconds = now
    var ended: ChunkProgress?
    _ = machine.handle(.busStateReceived)
    if state.fallen, machine.mode != .fault {
      ended = handle(.robotFell, nowNanoseconds: now, detail: "the robot reports it has fallen").ended
    }
    balance.update(state)
    if !gripperSeeded {
      for g in 0..<gripperWidthM.count {
        gripperWidthM[g] = state.gripperWidthM[g]
        if state.gripperForceN[g] > 0 { gripperForceN[g] = state.gripperForceN[g] }
      }
      gripperSeeded = true
    }

    if !machine.torqueOn {
      powered = false
      limiter.seed(from: state)
      for j in 0..<config.limits.jointCount {
        basePositionRad[j] = limiter.lastPositionRad[j]
        baseVelocityRadPerS[j] = 0
        baseAccelerationRadPerS2[j] = 0
        referencePositionRad[j] = basePositionRad[j]
        command.positionRad[j] = state.positionRad[j]
        command.velocityRadPerS[j] = 0
        command.torqueNm[j] = 0
        command.kp[j] = 0
        command.kd[j] = 0
      }
      writeGrippers(into: &command)
      return ControlTick(endedChunk: ended, mode: machine.mode)
    }
    if !powered {
      limiter.seed(from: state)
      for j in 0..<config.limits.jointCount {
        basePositionRad[j] = limiter.lastPositionRad[j]
        baseVelocityRadPerS[j] = limiter.lastVelocityRadPerS[j]
      }
      powered = true
    }

    decelerateBase()
    switch machine.mode {
    case .tracking:
      if let done = trackChunk(state: state, now: now) {
        ended = done
        // Rebased on the last command: this tick's step of the deceleration.
        if done.reason != .completed { decelerateBase() }
      }
    case .homing:
      advanceHoming(state: state, now: now)
    default:
      break
    }

    for j in 0..<offsetsRad.count { offsetsRad[j] = 0 }
    if machine.mode == .holding || machine.mode == .tracking {
      correction.correct(estimate: balance.estimate, state: state, offsetsRad: &offsetsRad)
    }
    for j in 0..<config.limits.jointCount { referencePositionRad[j] = basePositionRad[j] + offsetsRad[j] }
    limiter.apply(
      positionRad: referencePositionRad, velocityRadPerS: baseVelocityRadPerS, state: state, command: &command)
    writeGrippers(into: &command)
    superviseStop(state: state, now: now)
    return ControlTick(endedChunk: ended, mode: machine.mode, torqueLimitedJoints: limiter.torqueLimitedJoints)
  }

  /// Call when a tick passes without a state from the robot: past the timeout the controller faults
  /// (ending the chunk with reason `fault`). Returns the chunk that ended, if any.
  public mutating func checkJointBus(nowNanoseconds now: UInt64) -> ChunkProgress? {
    guard let last = lastStateNanoseconds, now > last, now - last > config.busTimeoutNanoseconds, machine.busHealthy
    else { return nil }
    let silenceMs = (now - last) / 1_000_000
    return handle(.busTimedOut, nowNanoseconds: now, detail: "no joint-bus state for \(silenceMs) ms").ended
  }

  // MARK: - Per tick

  /// Holding reference: each joint's velocity ramps to zero at its acceleration limit.
  mutating func decelerateBase() {
    let dt = Double(config.periodNanoseconds) / 1e9
    for j in 0..<config.limits.jointCount {
      let v = baseVelocityRadPerS[j]
      let dv = config.limits.accelerationMaxRadPerS2[j] * dt
      let next = abs(v) <= dv ? 0 : (v > 0 ? v - dv : v + dv)
      baseAccelerationRadPerS2[j] = (next - v) / dt
      baseVelocityRadPerS[j] = next
      basePositionRad[j] += next * dt
    }
  }

  mutating func trackChunk(state: JointStateInterfaces, now: UInt64) -> ChunkProgress? {
    guard let trajectory, var progress else { return nil }
    if now > trajectory.chunk.expiresAtNanoseconds && now < trajectory.lastDueNanoseconds {
      return endChunk(.expired, now: now, detail: "expired before step \(trajectory.stepIndex(atNanoseconds: now) + 1)")
    }
    let marginM = balance.estimate.marginM
    if marginM < config.balance.marginFloorM {
      return endChunk(
        .balance, now: now, detail: "balance margin \(marginM) m below the floor \(config.balance.marginFloorM) m")
    }
    trajectory.evaluate(
      atNanoseconds: now, positionRad: &basePositionRad, velocityRadPerS: &baseVelocityRadPerS,
      accelerationRadPerS2: &baseAccelerationRadPerS2, gripperWidthM: &gripperWidthM, gripperForceN: &gripperForceN)
    let step = trajectory.stepIndex(atNanoseconds: now)
    if step != progress.stepIndex {
      progress.stepIndex = step
      progress.stepTrackingErrorRad = 0
    }
    var error = 0.0
    for j in trajectory.busJoint { error = max(error, abs(state.positionRad[j] - basePositionRad[j])) }
    progress.stepTrackingErrorRad = max(progress.stepTrackingErrorRad, error)
    progress.maxTrackingErrorRad = max(progress.maxTrackingErrorRad, error)
    progress.measuredAtNanoseconds = now
    self.progress = progress
    if now >= trajectory.lastDueNanoseconds {
      // Hold the last step's targets exactly (the limiter still ramps there if it lags).
      for (k, j) in trajectory.busJoint.enumerated() {
        basePositionRad[j] = trajectory.chunk.positionRad(step: trajectory.chunk.stepCount - 1, joint: k)
        baseVelocityRadPerS[j] = 0
        baseAccelerationRadPerS2[j] = 0
      }
      return endChunk(.completed, now: now, detail: "")
    }
    return nil
  }

  mutating func advanceHoming(state: JointStateInterfaces, now: UInt64) {
    let t = Double(now - min(now, homeStartNanoseconds)) / 1e9
    let tau = homeDurationS > 0 ? min(t / homeDurationS, 1) : 1
    let tau2 = tau * tau
    let tau3 = tau2 * tau
    let d = max(homeDurationS, 1e-9)
    var arrived = tau >= 1
    for j in 0..<config.limits.jointCount {
      let delta = config.homeRad[j] - homeStartRad[j]
      basePositionRad[j] = homeStartRad[j] + delta * (10 * tau3 - 15 * tau3 * tau + 6 * tau3 * tau2)
      baseVelocityRadPerS[j] = delta * (30 * tau2 - 60 * tau3 + 30 * tau2 * tau2) / d
      baseAccelerationRadPerS2[j] = delta * (60 * tau - 180 * tau2 + 120 * tau3) / (d * d)
      if abs(state.positionRad[j] - config.homeRad[j]) > config.homeToleranceRad { arrived = false }
    }
    if arrived { _ = machine.handle(.homeReached) }
  }

  mutating func superviseStop(state: JointStateInterfaces, now: UInt64) {
    guard machine.mode == .stopping else { return }
    var still = true
    for j in 0..<config.limits.jointCount
    where baseVelocityRadPerS[j] != 0 || abs(state.velocityRadPerS[j]) > config.standstillVelocityRadPerS {
      still = false
      break
    }
    if still {
      _ = machine.handle(.standstillReached)
    } else if now - min(now, stopStartedNanoseconds) > config.controlledStopBoundNanoseconds {
      _ = machine.handle(.stopBoundElapsed)
    }
  }

  mutating func writeGrippers(into command: inout JointCommandInterfaces) {
    for g in 0..<gripperWidthM.count {
      command.gripperWidthM[g] = min(max(gripperWidthM[g], 0), config.limits.gripperMaxWidthM)
      command.gripperForceN[g] = min(max(gripperForceN[g], 0), config.limits.gripperMaxForceN)
    }
  }

  // MARK: - Chunk endings

  /// Ends the tracked chunk with `reason` and tells the machine it ended on its own.
  mutating func endChunk(_ reason: ExecutionReason, now: UInt64, detail: String) -> ChunkProgress? {
    let done = closeChunk(reason, now: now, detail: detail)
    _ = machine.handle(.chunkEnded)
    return done
  }

  /// Marks the tracked chunk done (the machine has already moved on). Except on completion, the
  /// hold starts from the command in force (within every limit), not from the chunk's reference.
  mutating func closeChunk(_ reason: ExecutionReason, now: UInt64, detail: String) -> ChunkProgress? {
    guard var done = progress else { return nil }
    if reason != .completed && powered { rebaseOnCommand() }
    done.done = true
    done.reason = reason
    done.detail = detail
    done.measuredAtNanoseconds = now
    progress = nil
    trajectory = nil
    return done
  }

  /// Restarts the reference from the last command (less the balance offsets it carried).
  mutating func rebaseOnCommand() {
    for j in 0..<config.limits.jointCount {
      basePositionRad[j] = limiter.lastPositionRad[j] - offsetsRad[j]
      baseVelocityRadPerS[j] = limiter.lastVelocityRadPerS[j]
      baseAccelerationRadPerS2[j] = 0
    }
  }

  /// Feeds the machine an event: starts the stop clock when a stop begins, ends the chunk if the
  /// machine says so.
  mutating func handle(_ event: ControlModeMachine.Event, nowNanoseconds now: UInt64, detail: String)
    -> (ended: ChunkProgress?, refusal: ControlError?)
  {
    let before = machine.mode
    let outcome = machine.handle(event)
    if machine.mode == .stopping && before != .stopping { stopStartedNanoseconds = now }
    if before != machine.mode && (before == .homing || machine.mode == .stopping) && powered { rebaseOnCommand() }
    guard let reason = outcome.endsChunk else { return (nil, outcome.refusal) }
    return (closeChunk(reason, now: now, detail: detail), outcome.refusal)
  }
}
