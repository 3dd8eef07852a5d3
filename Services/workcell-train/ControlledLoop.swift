import CellWorld
import PolicyRuntime
import RobotHardware
import WholeBodyControl

/// The closed loop with control in it, as the fleet runs it: every `replanSteps` chunk steps the
/// observer looks and the chunk source answers; the chunk reaches the whole-body controller
/// `latencyMs` later (the sequencer's round trip through perception, policy and control), and
/// the controller tracks it at 1 kHz (Catmull-Rom, blending, limits, balance) against the
/// world, which is its hardware: the world's measured state into the controller's state
/// interfaces, its command interfaces the world's command. Cycles run one after another on one world and one
/// controller, so each starts where the last one ended.
struct ControlledLoop {
  var world: CellWorld
  var controller: WholeBodyController
  private var measured = JointStateFrame()
  private var state = JointStateInterfaces()
  private var command = JointCommandInterfaces()
  private var chunkCount = 0

  init(world: CellWorld, correction: any BalanceCorrection = AnalyticBalanceCorrection()) {
    self.world = world
    controller = WholeBodyController(config: .defaults, correction: correction)
    for _ in 0..<20 { tick() }
  }

  var nowNanoseconds: UInt64 { world.stepIndex * 1_000_000 }

  /// One 1 ms tick: state to the controller, its command to the world, the world steps.
  mutating func tick() {
    world.readState(robot: 0, into: &measured)
    measured.copy(into: &state, measuredAtNanoseconds: nowNanoseconds)
    _ = controller.update(state: state, nowNanoseconds: nowNanoseconds, command: &command)
    world.setCommand(robot: 0, command)
    world.step()
  }

  /// Hands a chunk to the controller as control's Execute would (refusals are counted, not fatal).
  mutating func accept(_ chunk: PolicyChunk) -> Bool {
    chunkCount += 1
    let observedNs = UInt64((chunk.observedAtS * 1000).rounded()) * 1_000_000
    guard
      let actionChunk = try? ActionChunk(
        chunkID: "c\(chunkCount)", stepPeriodMs: UInt32(chunk.stepPeriodMs), observedAtNanoseconds: observedNs,
        expiresAtNanoseconds: UInt64((chunk.expiresAtS * 1000).rounded()) * 1_000_000, jointNames: chunk.jointNames,
        jointPositionsRad: chunk.steps.map(\.jointPositionsRad), gripperNames: chunk.gripperNames,
        gripperWidthsM: chunk.steps.map(\.gripperWidthsM),
        gripForcesN: chunk.steps.map { $0.gripForcesN.map { min($0, RobotLayout.gripperMaxForceN) } })
    else { return false }
    guard let ended = try? controller.accept(actionChunk, nowNanoseconds: nowNanoseconds) else { return false }
    return !ended.contains { $0.chunkID == actionChunk.chunkID }
  }

  /// One cycle (robot 0), ended like `ClosedLoop.policyCycle`'s: 0.5 s after the nut is left on the
  /// pin (then the fixture fastens), on a drop, a fall, or after `timeoutS`. `act` answers every
  /// `replanSteps` step periods with the chunk given last; `look`, when set, is shown an
  /// observation every step period (the same one `act` gets when both are due).
  mutating func cycle(
    act: (PolicyObservation, PolicyChunk?) -> PolicyChunk, observer: inout SimObserver, stepPeriodMs: Int, replanSteps: Int,
    latencyMs: Int, timeoutS: Double, sequence: inout UInt64, refused: inout Int, trace: ((String) -> Void)? = nil,
    look: ((PolicyObservation, PolicyChunk?) -> Void)? = nil
  ) -> ClosedLoop.Outcome {
    world.presentNut(robot: 0)
    observer.startCycle()
    let replanTicks = max(replanSteps, 1) * stepPeriodMs
    var pending: [(dueTick: Int, chunk: PolicyChunk)] = []
    var lastChunk: PolicyChunk?
    var releasedAtTick: Int?
    var outcome = ClosedLoop.Outcome.timedOut
    run: for tick in 0..<Int(timeoutS / CellWorld.stepS) {
      let truth = world.truth(robot: 0)
      if let ended = ClosedLoop.cycleEnded(&world, truth: truth, tick: tick, releasedAtTick: &releasedAtTick) {
        outcome = ended
        break run
      }
      if let trace, tick % 100 == 0 {
        let tcp = world.tcpPose(robot: 0).positionM
        let d = (tcp - truth.nutPositionM) * 1000
        let p = (truth.nutPositionM - world.pinSeatM(robot: 0)) * 1000
        trace(
          "t \(tick) ms cmd |qd| \(Int((7..<14).map { abs(command.velocityRadPerS[$0]) }.max()! * 1000)) mrad/s meas |qd| \(Int((7..<14).map { abs(measured.velocityRadPerS[$0]) }.max()! * 1000)) nut \(truth.nutState) step \(observer.step) mode \(controller.mode) tcp−nut mm (\(Int(d.x)), \(Int(d.y)), \(Int(d.z))) nut−pin mm (\(Int(p.x)), \(Int(p.y)), \(Int(p.z))) phase \(Int(truth.splinePhaseErrorDeg))")
      }
      // `look` (the relabelling) sees an observation every step period, with the chunk given last.
      var observation: PolicyObservation?
      if let look, tick % stepPeriodMs == 0 {
        observation = observer.observe(world: &world, sequence: sequence)
        look(observation!, lastChunk)
      }
      if tick % replanTicks == 0 {
        let chunkNow = act(observation ?? observer.observe(world: &world, sequence: sequence), lastChunk)
        lastChunk = chunkNow
        if trace != nil {
          let deltas = (1..<chunkNow.steps.count).map { i in (0..<7).map { abs(chunkNow.steps[i].jointPositionsRad[$0] - chunkNow.steps[i - 1].jointPositionsRad[$0]) }.max()! }
          let first = (0..<7).map { Int((chunkNow.steps[1].jointPositionsRad[$0] - chunkNow.steps[0].jointPositionsRad[$0]) * 1000) }
          let q = chunkNow.steps[0].jointPositionsRad.map { String(format: "%.2f", $0) }
          trace!("    chunk at \(tick) step \(observer.step): max |dq| per step mrad \(deltas.prefix(8).map { Int($0 * 1000) }) … \(deltas.suffix(3).map { Int($0 * 1000) }) first dq \(first) q0 \(q)")
        }
        pending.append((tick + latencyMs, chunkNow))
        sequence += 1
      }
      while let first = pending.first, first.dueTick <= tick {
        pending.removeFirst()
        if !accept(first.chunk) { refused += 1 }
      }
      self.tick()
    }
    world.removeNut(robot: 0)
    return outcome
  }
}

/// No balance correction (diagnosis: what the analytic one does to a task).
struct NoBalanceCorrection: BalanceCorrection {
  func correct(estimate: BalanceEstimate, state: JointStateInterfaces, offsetsRad: inout [Double]) {}
}

