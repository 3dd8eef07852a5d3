import RobotHardware

extension WholeBodyController {
  /// Takes a chunk for tracking. It supersedes the rest of the current chunk from now (its own
  /// first step still in the future is the first one reported), blended in from the command in
  /// force over `blendNanoseconds` (no jump in position or velocity). Returns the chunks this ended: the superseded one, or the new one itself when it ends
  /// at once (targets beyond the limits' tolerance → `limit`, naming the joint; nothing left in
  /// the future → `expired`; balance margin below the floor → `balance`). A refused limit chunk
  /// leaves the current one running. Throws `invalidChunk` (unknown names) or `wrongMode`.
  public mutating func accept(_ chunk: ActionChunk, nowNanoseconds now: UInt64) throws(ControlError) -> [ChunkProgress]
  {
    let limits = config.limits
    var busJoint: [Int] = []
    for name in chunk.jointNames {
      guard let index = limits.jointNames.firstIndex(of: name) else {
        throw ControlError(
          .invalidChunk, "Chunk \(chunk.chunkID) names joint \"\(name)\"; this robot has \(limits.jointNames).")
      }
      busJoint.append(index)
    }
    var busGripper: [Int] = []
    for name in chunk.gripperNames {
      guard let index = limits.gripperNames.firstIndex(of: name) else {
        throw ControlError(
          .invalidChunk, "Chunk \(chunk.chunkID) names gripper \"\(name)\"; this robot has \(limits.gripperNames).")
      }
      busGripper.append(index)
    }
    switch machine.mode {
    case .holding, .tracking, .homing: break
    default:
      throw ControlError(
        .wrongMode, "Chunk \(chunk.chunkID) refused: the controller is \(machine.mode); resume or wait for holding.")
    }

    func ended(_ reason: ExecutionReason, _ detail: String) -> ChunkProgress {
      var done = ChunkProgress(chunkID: chunk.chunkID, measuredAtNanoseconds: now)
      done.done = true
      done.reason = reason
      done.detail = detail
      return done
    }
    if now > chunk.expiresAtNanoseconds {
      return [ended(.expired, "arrived after it expired")]
    }
    let steps = chunk.stepCount
    guard let entryStep = (0..<steps).first(where: { chunk.dueNanoseconds(step: $0) > now }) else {
      return [ended(.expired, "arrived after its last step")]
    }
    let marginM = balance.estimate.marginM
    if marginM < config.balance.marginFloorM {
      return [ended(.balance, "balance margin \(marginM) m below the floor \(config.balance.marginFloorM) m")]
    }
    if let problem = limitViolation(chunk, busJoint: busJoint, from: entryStep) {
      return [ended(.limit, problem)]
    }

    var endedChunks: [ChunkProgress] = []
    if let superseded = closeChunk(.superseded, now: now, detail: "superseded by \(chunk.chunkID)") {
      endedChunks.append(superseded)
    }
    trajectory = ChunkTrajectory(
      chunk: chunk, busJoint: busJoint, busGripper: busGripper, entryStep: entryStep, nowNanoseconds: now,
      blendNanoseconds: config.blendNanoseconds, accelerationMaxRadPerS2: limits.accelerationMaxRadPerS2,
      positionRad: powered ? limiter.lastPositionRad : basePositionRad,
      velocityRadPerS: powered ? limiter.lastVelocityRadPerS : baseVelocityRadPerS, gripperWidthM: gripperWidthM)
    var started = ChunkProgress(chunkID: chunk.chunkID, measuredAtNanoseconds: now)
    started.stepIndex = entryStep
    progress = started
    _ = machine.handle(.chunkAccepted)
    return endedChunks
  }

  /// Stops tracking or homing and holds the current posture (decelerating to rest). Returns the
  /// interrupted chunk. Throws `wrongMode` when stopped, stopping, faulted or disabled.
  public mutating func hold(nowNanoseconds now: UInt64) throws(ControlError) -> ChunkProgress? {
    let result = handle(.holdRequested, nowNanoseconds: now, detail: "hold requested")
    if let refusal = result.refusal { throw refusal }
    return result.ended
  }

  /// Moves to the home posture (minimum-jerk, at `homingSpeedFraction` of the limits); the mode
  /// returns to holding once there. Returns the interrupted chunk.
  public mutating func home(nowNanoseconds now: UInt64) throws(ControlError) -> ChunkProgress? {
    let result = handle(.homeRequested, nowNanoseconds: now, detail: "home requested")
    if let refusal = result.refusal { throw refusal }
    let limits = config.limits
    var durationS = 0.1
    for j in 0..<limits.jointCount {
      homeStartRad[j] = powered ? limiter.lastPositionRad[j] : basePositionRad[j]
      let distance = abs(config.homeRad[j] - homeStartRad[j])
      let speed = limits.velocityMaxRadPerS[j] * config.homingSpeedFraction
      let acceleration = limits.accelerationMaxRadPerS2[j] * config.homingSpeedFraction
      // Minimum jerk peaks at 1.875 Δ/T in speed and 5.774 Δ/T² in acceleration.
      durationS = max(durationS, 1.875 * distance / speed, (5.774 * distance / acceleration).squareRoot())
    }
    homeStartNanoseconds = now
    homeDurationS = durationS
    return result.ended
  }

  /// A staged stop (IEC 60204-1), latched until ``resume(nowNanoseconds:)``: category 0 removes
  /// torque on the next tick; 1 and 2 decelerate every joint at its acceleration limit to
  /// standstill (bounded by `controlledStopBoundNanoseconds`, else torque off), then 1 removes
  /// torque and 2 holds. A stop in force only escalates. Returns the interrupted chunk.
  public mutating func stop(_ category: StopCategory, nowNanoseconds now: UInt64) -> ChunkProgress? {
    handle(.stopRequested(category), nowNanoseconds: now, detail: "stop \(category) requested").ended
  }

  /// Leaves a stop or fault into holding. Throws `safetyChainOpen` while the safety chain is
  /// open, `jointBusDown` without joint-bus states, `wrongMode` while a stop is still running.
  public mutating func resume(nowNanoseconds now: UInt64) throws(ControlError) {
    let result = handle(.resumeRequested, nowNanoseconds: now, detail: "")
    if let refusal = result.refusal { throw refusal }
  }

  /// The safety input (e-stop chain, interlocks) as the safety PLC reports it. Opening stops in
  /// `safetyStopCategory` (ending the chunk with reason `safety`); closing only allows a resume.
  public mutating func setSafetyChain(open: Bool, nowNanoseconds now: UInt64) -> ChunkProgress? {
    guard open != machine.safetyOpen else { return nil }
    if open {
      return handle(.safetyOpened(config.safetyStopCategory), nowNanoseconds: now, detail: "safety chain opened").ended
    }
    return handle(.safetyClosed, nowNanoseconds: now, detail: "").ended
  }

  /// The first target from `entryStep` on beyond the position limits' tolerance, or step-to-step
  /// speed beyond the speed limit's, as a sentence naming the joint; nil when within.
  func limitViolation(_ chunk: ActionChunk, busJoint: [Int], from entryStep: Int) -> String? {
    let limits = config.limits
    let periodS = Double(chunk.stepPeriodNanoseconds) / 1e9
    for step in max(entryStep - 1, 0)..<chunk.stepCount {
      for (k, j) in busJoint.enumerated() {
        let name = limits.jointNames[j]
        let target = chunk.positionRad(step: step, joint: k)
        if target < limits.positionMinRad[j] - limits.positionToleranceRad {
          return "step \(step): \(name) target \(target) rad is below its limit \(limits.positionMinRad[j]) rad"
        }
        if target > limits.positionMaxRad[j] + limits.positionToleranceRad {
          return "step \(step): \(name) target \(target) rad is above its limit \(limits.positionMaxRad[j]) rad"
        }
        if step > max(entryStep - 1, 0) {
          let speed = abs(target - chunk.positionRad(step: step - 1, joint: k)) / periodS
          let allowed = limits.velocityMaxRadPerS[j] * (1 + limits.velocityToleranceFraction)
          if speed > allowed {
            return "step \(step): \(name) needs \(speed) rad/s, above its limit \(limits.velocityMaxRadPerS[j]) rad/s"
          }
        }
      }
    }
    return nil
  }
}
