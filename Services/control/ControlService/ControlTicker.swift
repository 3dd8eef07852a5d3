import Foundation
import JointBus
import Logging
import RobotHardware
import WholeBodyControl

/// One robot's controller as the loop drives it, tick by tick, like ros2_control's read →
/// update → write: the state interfaces in, `update`, the command interfaces out; then the
/// handlers' queued requests are applied and the snapshot they read is published. The hardware
/// is one of two: `ControlLoop` runs it on a thread of its own over the UDP joint bus (a state
/// datagram read into the state interfaces, the command interfaces written as a command datagram
/// with the bus's header), or a simulated world in the same process calls it once per step
/// through a `JointBusHub` with the interfaces themselves (docs/joint-bus.md, "In one process").
/// Only one thread at a time calls it.
final class ControlTicker: JointBusController, @unchecked Sendable {
  let robotIndex: UInt8
  let clockSource: ControlClock.Source
  let config: WholeBodyController.Config
  let handle: ControllerHandle
  let metrics: ControlMetrics
  let logger: Logger
  /// Where the robot is, for messages (`udp HOST:PORT`, `the simulated world in this process`).
  let busDescription: String
  private var s: LoopState
  private var requests: [ControlRequest] = []

  init(
    robotIndex: UInt8, clock: ControlClock.Source, config: WholeBodyController.Config, handle: ControllerHandle,
    metrics: ControlMetrics, logger: Logger, busDescription: String,
    unixNow: @escaping @Sendable () -> UInt64 = { ControlClock.unixNanoseconds() }
  ) {
    self.robotIndex = robotIndex
    self.clockSource = clock
    self.config = config
    self.handle = handle
    self.metrics = metrics
    self.logger = logger
    self.busDescription = busDescription
    s = LoopState(controller: WholeBodyController(config: config), clock: ControlClock(source: clock, unixNow: unixNow))
    s.replies.reserveCapacity(16)
    requests.reserveCapacity(16)
    // Tell the robot where we are: a hold command (flags bit 0) answers with states.
    s.busCommand.header = JointBus.Header(robot: robotIndex, sequence: 0, timestampNs: 0)
    s.busCommand.flags = 1
  }

  /// The command datagram to send now (the hold command before the first state).
  var command: JointBusCommand { s.busCommand }

  /// Decodes a datagram into the incoming buffer; true when it is a state of this robot.
  func decodeIncoming(_ raw: UnsafeRawBufferPointer) -> Bool {
    do throws(JointBusError) {
      try s.incoming.decode(raw)
      return s.incoming.header.robot == robotIndex
    } catch {
      return false
    }
  }

  /// The decoded incoming state is the newest: the bus's read into the state interfaces.
  func received() { Self.takeIncoming(&s) }

  private static func takeIncoming(_ s: inout LoopState) { s.incoming.copy(into: &s.state) }

  /// The rest of a tick after the read: with a new state (`got`), update the controller and send
  /// its command (as the bus's datagram: `send`); without one, watch the bus (and keep the
  /// robot's return address fresh). Then the requests, the snapshot, the replies. `woke` is the
  /// monotonic time the tick began.
  func step(got: Bool, woke: UInt64, send: (JointBusCommand) -> Void) {
    // One access to the stored state for the whole tick (its fields are then disjoint).
    step(&s, got: got, woke: woke, send: send)
  }

  private func step(_ s: inout LoopState, got: Bool, woke: UInt64, send: (JointBusCommand) -> Void) {
    let now: UInt64
    if got {
      if clockSource == .jointBus {
        s.clock.observeBusTimestamp(s.state.measuredAtNanoseconds)
        recordTick(&s, at: woke)
      }
      now = clockSource == .wall ? woke : s.state.measuredAtNanoseconds
      s.haveState = true
      s.stateControllerNanoseconds = now
      s.stateArrivedMonotonic = woke
      let before = s.controller.progress
      let tick = s.controller.update(state: s.state, nowNanoseconds: now, command: &s.command)
      // The bus's write: the command interfaces as a datagram stamped with this tick's time.
      s.commandNanoseconds = now
      s.sequence += 1
      s.busCommand.setTargets(from: s.command)
      s.busCommand.header = JointBus.Header(robot: robotIndex, sequence: s.sequence, timestampNs: now)
      s.busCommand.flags = 0
      // On the joint-bus clock the command is what lets a lock-stepped world go on: what this
      // tick measured is published first, so anyone woken at this instant reads it.
      if clockSource == .jointBus { publish(&s) }
      send(s.busCommand)
      if now >= s.nextTraceDueNanoseconds { recordTrace(&s, now: now) }
      if let ended = tick.endedChunk {
        route(ended, &s)
      } else if let before, let current = s.controller.progress, current.chunkID == before.chunkID,
        current.stepIndex != before.stepIndex
      {
        route(before, &s)  // the step just finished, with its largest tracking error
      }
    } else {
      // On the joint-bus clock a tick without a state is no tick: time stands at the last state's
      // (a simulated world holds still while the fleet computes) until the bus has been silent
      // longer than its timeout, when the watchdog must see the silence.
      let silent = woke &- s.stateArrivedMonotonic
      now =
        clockSource == .wall
        ? woke
        : s.stateControllerNanoseconds &+ (silent > config.busTimeoutNanoseconds ? silent : 0)
      if s.haveState {
        metrics.missedStates.increment()
        let wasHealthy = s.controller.machine.busHealthy
        if let ended = s.controller.checkJointBus(nowNanoseconds: now) { route(ended, &s) }
        if wasHealthy && !s.controller.machine.busHealthy {
          metrics.busTimeouts.increment()
          s.stopReason = "joint bus: no state from the robot for \((woke &- s.stateArrivedMonotonic) / 1_000_000) ms"
        }
      }
      // Keep the robot's return address fresh (and a lock-stepped world stepping).
      send(s.busCommand)
    }

    // The handlers' requests.
    handle.drain(into: &requests)
    for request in requests { apply(request, now: now, &s) }
    requests.removeAll(keepingCapacity: true)

    // Publish, then answer (a handler that hears back sees its request's effect).
    publish(&s)
    for (reply, result) in s.replies { reply.resume(returning: result) }
    s.replies.removeAll(keepingCapacity: true)
    observeMode(&s)
  }

  /// A wall-clock tick of the loop (its pacing statistics).
  func wallTick(at woke: UInt64) { recordTick(&s, at: woke) }

  /// The loop ended: nothing is left waiting.
  func finish() {
    let leftover = handle.loopStopped(why: "The control service is stopping; the robot is no longer driven.")
    for request in leftover { apply(request, now: 0, &s, refuseAll: true) }
    for (reply, result) in s.replies { reply.resume(returning: result) }
    for (_, events) in s.streams { events.finish() }
  }

  // MARK: JointBusController (a world in this process)

  func tick(_ state: inout JointStateInterfaces, command: inout JointCommandInterfaces) -> UInt64 {
    swap(&s.state, &state)
    step(got: true, woke: ControlClock.monotonicNanoseconds()) { _ in }
    command = s.command
    return s.commandNanoseconds
  }

  func serviceRequests() {
    step(got: false, woke: ControlClock.monotonicNanoseconds()) { _ in }
  }

  // MARK: -

  /// Everything a tick works on; only the ticking thread touches it.
  private struct LoopState {
    var controller: WholeBodyController
    var clock: ControlClock
    /// What the controller reads and writes.
    var state = JointStateInterfaces()
    var command = JointCommandInterfaces()
    /// The bus's datagrams: the state decoded, the command sent (the last one, resent while no
    /// state comes), its sequence and the controller time it is stamped with.
    var incoming = JointBusState()
    var busCommand = JointBusCommand()
    var sequence: UInt64 = 0
    var commandNanoseconds: UInt64 = 0
    var stats = LoopTimingStats()
    var streams: [UInt64: AsyncStream<ExecuteEvent>.Continuation] = [:]
    var owners: [String: UInt64] = [:]
    var replies: [(ControlRequest.Reply, Result<Void, ControlError>)] = []
    var haveState = false
    /// Controller time of the newest state, and the monotonic time it arrived.
    var stateControllerNanoseconds: UInt64 = 0
    var stateArrivedMonotonic: UInt64 = 0
    var stopReason = ""
    var lastMode = ControlMode.disabled
    var lastOverruns: UInt64 = 0
    var lastWake: UInt64 = 0
    var ticks: UInt64 = 0
    /// Controller time the next trace sample is due.
    var nextTraceDueNanoseconds: UInt64 = 0
  }

  /// One trace sample: the state just measured and the command just sent with it.
  private func recordTrace(_ s: inout LoopState, now: UInt64) {
    let measuredAt = s.clock.unixNanoseconds(fromController: now)
    let mode = s.controller.mode
    let next = handle.recordTrace(atControllerNanoseconds: now) { sample in
      sample.measuredAtUnixNanoseconds = measuredAt
      for j in 0..<JointBus.jointCount {
        sample.positionRad[j] = s.state.positionRad[j]
        sample.velocityRadPerS[j] = s.state.velocityRadPerS[j]
        sample.commandedPositionRad[j] = s.command.positionRad[j]
      }
      for g in 0..<JointBus.gripperCount {
        sample.gripperWidthM[g] = s.state.gripperWidthM[g]
        sample.commandedGripperWidthM[g] = s.command.gripperWidthM[g]
      }
      sample.mode = mode
    }
    s.nextTraceDueNanoseconds = next
  }


  private func recordTick(_ s: inout LoopState, at wake: UInt64) {
    if s.lastWake != 0, wake > s.lastWake {
      let periodNs = wake - s.lastWake
      let nominal = config.periodNanoseconds
      metrics.loopPeriod.record(.nanoseconds(Int64(periodNs)))
      metrics.loopJitter.record(.nanoseconds(Int64(periodNs > nominal ? periodNs - nominal : nominal - periodNs)))
    }
    s.lastWake = wake
    s.stats.record(tickAtNanoseconds: wake)
    if s.stats.overrunCount != s.lastOverruns {
      metrics.overruns.increment(by: Int64(s.stats.overrunCount - s.lastOverruns))
      s.lastOverruns = s.stats.overrunCount
    }
    s.ticks += 1
    if s.ticks % 1000 == 0 {
      metrics.publish(s.stats)
      metrics.balanceMargin.set(s.controller.balance.estimate.marginM)
    }
  }

  /// Sends a chunk's progress to the stream that owns it; counts endings.
  private func route(_ progress: ChunkProgress, _ s: inout LoopState) {
    if progress.done, let reason = progress.reason { metrics.chunksEnded[reason]?.increment() }
    guard let stream = progress.done ? s.owners.removeValue(forKey: progress.chunkID) : s.owners[progress.chunkID]
    else { return }
    let unix = s.clock.unixNanoseconds(fromController: progress.measuredAtNanoseconds)
    s.streams[stream]?.yield(.progress(progress, measuredAtUnixNanoseconds: unix))
  }

  private func apply(_ request: ControlRequest, now: UInt64, _ s: inout LoopState, refuseAll: Bool = false) {
    if refuseAll {
      let stopping = ControlError(.jointBusDown, "The control service is stopping; the robot is no longer driven.")
      switch request {
      case .accept(_, _, let reply), .hold(let reply), .home(let reply), .stop(_, _, let reply), .resume(let reply),
        .subscribe(_, _, let reply):
        s.replies.append((reply, .failure(stopping)))
      case .flush(let reply): s.replies.append((reply, .success(())))
      case .safety, .unsubscribe: break
      }
      return
    }
    switch request {
    case .accept(var chunk, let stream, let reply):
      guard s.haveState, s.controller.machine.busHealthy else {
        metrics.chunksRefused.increment()
        let why =
          s.haveState
          ? "has sent no state for \((ControlClock.monotonicNanoseconds() &- s.stateArrivedMonotonic) / 1_000_000) ms"
          : "has sent no state yet"
        s.replies.append(
          (
            reply,
            .failure(
              ControlError(
                .jointBusDown,
                "Robot \(robotIndex) on the joint bus at \(busDescription) \(why); check the bus (cell-sim's --joint-bus-port and a Reset), then Resume."
              ))
          ))
        return
      }
      chunk.observedAtNanoseconds = s.clock.controllerNanoseconds(fromUnix: chunk.observedAtNanoseconds)
      chunk.expiresAtNanoseconds = max(
        s.clock.controllerNanoseconds(fromUnix: chunk.expiresAtNanoseconds), chunk.observedAtNanoseconds)
      do {
        let ended = try s.controller.accept(chunk, nowNanoseconds: now)
        s.owners[chunk.chunkID] = stream
        s.streams[stream]?.yield(.accepted(chunkID: chunk.chunkID))
        for progress in ended { route(progress, &s) }
        s.replies.append((reply, .success(())))
      } catch {
        metrics.chunksRefused.increment()
        s.replies.append((reply, .failure(error)))
      }
    case .hold(let reply):
      do {
        if let ended = try s.controller.hold(nowNanoseconds: now) { route(ended, &s) }
        s.replies.append((reply, .success(())))
      } catch {
        s.replies.append((reply, .failure(error)))
      }
    case .home(let reply):
      do {
        if let ended = try s.controller.home(nowNanoseconds: now) { route(ended, &s) }
        s.replies.append((reply, .success(())))
      } catch {
        s.replies.append((reply, .failure(error)))
      }
    case .stop(let category, let reason, let reply):
      if let ended = s.controller.stop(category, nowNanoseconds: now) { route(ended, &s) }
      s.stopReason = reason.isEmpty ? "stop \(category) requested" : reason
      s.replies.append((reply, .success(())))
    case .resume(let reply):
      do {
        try s.controller.resume(nowNanoseconds: now)
        s.stopReason = ""
        s.replies.append((reply, .success(())))
      } catch {
        s.replies.append((reply, .failure(error)))
      }
    case .safety(let open, let reason):
      if let ended = s.controller.setSafetyChain(open: open, nowNanoseconds: now) { route(ended, &s) }
      if open { s.stopReason = reason }
    case .flush(let reply):
      s.replies.append((reply, .success(())))
    case .subscribe(let stream, let events, let reply):
      s.streams[stream] = events
      s.replies.append((reply, .success(())))
    case .unsubscribe(let stream):
      s.streams.removeValue(forKey: stream)?.finish()
      s.owners = s.owners.filter { $0.value != stream }
    }
  }

  private func publish(_ s: inout LoopState) {
    let measuredAt = s.haveState ? s.clock.unixNanoseconds(fromController: s.stateControllerNanoseconds) : 0
    handle.publish { snapshot in
      snapshot.connected = s.haveState
      snapshot.busHealthy = s.controller.machine.busHealthy
      snapshot.measuredAtUnixNanoseconds = measuredAt
      for j in 0..<JointBus.jointCount {
        snapshot.positionRad[j] = s.state.positionRad[j]
        snapshot.velocityRadPerS[j] = s.state.velocityRadPerS[j]
        snapshot.torqueNm[j] = s.state.torqueNm[j]
      }
      for g in 0..<JointBus.gripperCount {
        snapshot.gripperWidthM[g] = s.state.gripperWidthM[g]
        snapshot.gripperForceN[g] = s.state.gripperForceN[g]
      }
      let estimate = s.controller.balance.estimate
      snapshot.comM = estimate.comM
      snapshot.balanceMarginM = estimate.marginM
      snapshot.mode = s.controller.mode
      snapshot.activeStop = s.controller.machine.activeStop
      snapshot.safetyOpen = s.controller.machine.safetyOpen
      // The reason describes the present: why the robot is stopped, stopping or in fault, or why
      // the chain is open now — not a chain that opened while nothing was moving and closed since.
      let stopping: Bool
      switch s.controller.mode {
      case .stopping, .stopped, .fault: stopping = true
      default: stopping = false
      }
      let stoppedNow = stopping || s.controller.machine.safetyOpen
      snapshot.stopReason = stoppedNow ? s.stopReason : ""
      snapshot.activeChunkID = s.controller.progress?.chunkID ?? ""
      snapshot.ticks &+= 1
    }
  }

  private func observeMode(_ s: inout LoopState) {
    let mode = s.controller.mode
    guard mode != s.lastMode else { return }
    if mode == .fault, s.stopReason.isEmpty { s.stopReason = "fault: the robot reports it has fallen" }
    // The stop reason belongs to a stop: a later holding ↔ tracking change does not repeat it.
    let stopped = [.stopping, .stopped, .fault].contains(mode)
    logger.info(
      "mode changed",
      metadata: [
        "from": "\(s.lastMode)", "to": "\(mode)", "reason": "\(stopped ? s.stopReason : "")",
        "stop": "\(s.controller.machine.activeStop.map { "\($0)" } ?? "none")",
      ])
    metrics.mode.set(Double(mode.rawValue))
    s.lastMode = mode
  }

}
