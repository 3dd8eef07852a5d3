import CycleSequencing
import SimulatedTime
import DurableOutbox
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Synchronization
import WorkcellProto
import WorkcellRuntime
import YieldKPI

/// The cell: one cycle loop per robot, the streams they read, the outbox to yield, and the
/// subscribers of WatchCycles. Runs as a background service of the process.
final class CellSequencer: Service, Sendable {
  let config: CellConfig
  let peers: CellPeers
  let clock: CellClock
  let safety: SafetyWatch
  let outbox: DurableOutbox
  let slots: [String: RobotSlot]
  let feeds: [String: RobotFeed]
  let metrics: CellMetrics
  let logger: Logger
  private let watchers = Mutex<[UUID: (robots: Set<String>, sink: AsyncStream<Workcell_Common_V1_CycleRecord>.Continuation)]>([:])
  /// Records in the outbox, per robot (for RobotStatus.outbox_depth) and the oldest's time.
  /// Records in the outbox per robot, and the oldest one's end time. `version` counts every
  /// change so a recount from the file cannot overwrite a newer one.
  private let backlog = Mutex<(perRobot: [String: Int], oldest: Date?, version: UInt64)>(([:], nil, 0))

  init(
    config: CellConfig, outbox: DurableOutbox, metrics: CellMetrics, logger: Logger,
    fleetClock: any WorkcellClock = WallClock(), inProcessGRPC: InProcessGRPC? = nil
  ) throws {
    self.config = config
    self.peers = try CellPeers(config, clock: fleetClock, inProcessGRPC: inProcessGRPC)
    self.clock = CellClock(source: config.clock, fleet: fleetClock)
    self.safety = SafetyWatch(plcBridge: peers.plcBridge, logger: logger)
    self.outbox = outbox
    self.metrics = metrics
    self.logger = logger
    var slots: [String: RobotSlot] = [:]
    var feeds: [String: RobotFeed] = [:]
    for robot in config.robots {
      slots[robot.id] = RobotSlot(robot: robot.id)
      feeds[robot.id] = RobotFeed(
        robot: Self.equipment(config, robot.id), control: try peers.control(robot.id), logger: logger, clock: fleetClock)
    }
    self.slots = slots
    self.feeds = feeds
    if let limit = config.autostart {
      for slot in slots.values { slot.start(cycleLimit: limit) }
    }
  }

  static func equipment(_ config: CellConfig, _ robot: String) -> Workcell_Common_V1_EquipmentRef {
    .with {
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot
      $0.station = config.station
    }
  }

  func run() async throws {
    logger.info(
      "sequencer up",
      metadata: [
        "robots": "\(config.robots.map { "\($0.id)=\($0.control?.description ?? "none")" }.joined(separator: ","))",
        "clock": "\(config.clock.rawValue)",
        "outbox": "\(config.outboxPath)", "tactile_refine": "\(config.tactileRefine)", "retries": "\(config.retries)",
      ])
    await recoverInterrupted()
    await refreshBacklog()
    await cancelWhenGracefulShutdown {
      await withDiscardingTaskGroup { group in
        group.addTask { await self.peers.run() }
        group.addTask { await self.clock.follow(self.peers.sim, logger: self.logger) }
        group.addTask { await self.safety.run() }
        for feed in self.feeds.values { group.addTask { await feed.run() } }
        for robot in self.config.robots { group.addTask { await self.loop(robot) } }
        group.addTask { await self.deliver() }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        group.cancelAll()
      }
    }
    peers.close()
    watchers.withLock { all in
      for watcher in all.values { watcher.sink.finish() }
      all = [:]
    }
    // Only now, with every robot's loop ended: a cycle that ended in the shutdown (its robot
    // stopped, a peer gone) has appended its record. Closing at the shutdown signal instead
    // lost that record ("misuse" from a closed file; seen by the fault suite).
    await outbox.close()
    await config.episodes?.drain()
  }

  // MARK: Robots

  /// One robot's cycles, as its slot asks.
  private func loop(_ robot: CellConfig.Robot) async {
    // init made a slot and a feed for every robot of the configuration.
    guard let slot = slots[robot.id], let feed = feeds[robot.id] else {
      logger.critical("no slot or control feed for the robot; it does not run", metadata: ["robot": "\(robot.id)"])
      return
    }
    var robotLogger = logger
    robotLogger[metadataKey: "robot"] = "\(robot.id)"
    let runner = RobotCycleRunner(
      config: config, robot: robot, equipment: Self.equipment(config, robot.id), peers: peers, feed: feed,
      safety: safety, clock: clock, slot: slot, logger: robotLogger)
    var sequence: UInt64 = 0
    // A participant of a simulated clock: time moves only while it waits on the clock.
    await clock.fleet.activity("cell.\(robot.id)") {
    while !Task.isCancelled {
      guard slot.snapshot.runState == .running else {
        if clock.fleet.isSimulated { try? await clock.sleep(seconds: 0.02) } else { try? await Task.sleep(for: .milliseconds(20)) }
        continue
      }
      guard clock.ready else {
        logger.info("waiting for the simulation clock", metadata: ["robot": "\(robot.id)"])
        try? await Task.sleep(for: .milliseconds(200))
        continue
      }
      if !safety.estopOK(robot.side) {
        // A start while the chain is open, or before plc-bridge said how it is: give it a moment.
        try? await clock.sleep(seconds: 0.5)
        if !safety.estopOK(robot.side) {
          slot.update {
            $0.runState = .faulted
            $0.faultReason = "the \(robot.side == .left ? "left" : "right") side's safety chain is open or unknown"
          }
          continue
        }
      }
      let result = await runner.runCycle(sequence: &sequence) { draft in
        // Journalled before the first step: a crash from here on leaves the cycle in flight, and
        // the next start stores it as aborted (`recoverInterrupted`).
        do {
          try await outbox.begin(OutboxEntry(id: draft.cycleID, payload: try draft.serializedBytes()))
        } catch {
          logger.error("cycle not journalled as in flight", metadata: ["cycle_id": "\(draft.cycleID)", "error": "\(error)"])
        }
      }
      await publish(result, robot: robot.id)
      if var episode = result.episode, let recorder = config.episodes {
        // After the record is durable in the outbox: an episode never delays or risks a record.
        // Control's trace of the cycle joins it now (one call); the recorder's own thread writes
        // it, so encoding and fsync never hold up the cycle.
        episode.trace = await runner.executedTrace(from: episode.startedAt, to: result.record.endedAt.date)
        let (metrics, logger, cycleID) = (metrics, logger, episode.cycleID)
        recorder.submit(episode, images: result.cameraImages) { result in
          switch result {
          case .success(let dropped): metrics.episodeWritten(dropped: dropped)
          case .failure(let error):
            metrics.episodeFailed()
            logger.warning("episode not written", metadata: ["cycle_id": "\(cycleID)", "error": "\(error)"])
          }
        }
      }
      slot.finished(result.verdict, faulted: result.faultReason)
      if let reason = result.faultReason {
        logger.warning("robot halted", metadata: ["robot": "\(robot.id)", "reason": "\(reason)"])
      }
      if let service = Self.outageService(result.verdict) {
        await holdUntilAvailable(service, robot: robot, slot: slot)
      }
    }
    }
  }

  /// Writes the record to the outbox (durably, before anything else hears of it), then tells
  /// the watchers.
  private func publish(_ result: RobotCycleRunner.Result, robot: String) async {
    let record = result.record
    // Counted before the append: once appended the deliverer may send it (and count it off) at
    // once; counted after, a record delivered in between stayed counted for good — a Stop then
    // waited for a backlog that was already in yield.
    backlog.withLock {
      $0.perRobot[robot, default: 0] += 1
      if $0.oldest == nil { $0.oldest = Date() }
      $0.version &+= 1
    }
    do {
      try await outbox.append(OutboxEntry(id: record.cycleID, payload: try record.serializedBytes()))
      // One line per record kept: what the cell produced, to compare with what yield holds.
      logger.info(
        "cycle recorded",
        metadata: [
          "cycle_id": "\(record.cycleID)", "robot": "\(robot)", "outcome": "\(result.verdict.outcome.rawValue)",
          "failure_code": "\(result.verdict.failureCode?.rawValue ?? "")",
        ])
    } catch {
      backlog.withLock {
        $0.perRobot[robot] = max(0, ($0.perRobot[robot] ?? 0) - 1)
        $0.version &+= 1
      }
      // The record cannot be kept: say so loudly; the cycle still counts in the status.
      logger.critical("cycle record NOT written to the outbox", metadata: ["cycle_id": "\(record.cycleID)", "error": "\(error)"])
    }
    metrics.cycle(result.verdict)
    watchers.withLock { all in
      for watcher in all.values where watcher.robots.isEmpty || watcher.robots.contains(robot) {
        watcher.sink.yield(record)
      }
    }
  }

  // MARK: Outbox → yield

  private func deliver() async {
    // Counted off once the outbox has let the batch go: a recount started between yield's
    // answer and the outbox's delete saw the records still there and kept them counted.
    await outbox.deliver(
      logger: logger, acknowledged: { entries in await self.delivered(entries) }
    ) { [peers, logger] entries in
      let records = try entries.map { try Workcell_Common_V1_CycleRecord(serializedBytes: $0.payload) }
      let answer = try await peers.yield.reportCycleBatch(
        .with { $0.cycles = records }, options: .timeout(seconds: 10))
      logger.debug("delivered to yield", metadata: ["records": "\(records.count)", "accepted": "\(answer.accepted)"])
    }
  }

  private func delivered(_ entries: [OutboxEntry]) async {
    let robots = entries.compactMap { try? Workcell_Common_V1_CycleRecord(serializedBytes: $0.payload).robot }
    backlog.withLock {
      for robot in robots { $0.perRobot[robot, default: 0] = max(0, ($0.perRobot[robot] ?? 0) - 1) }
      if $0.perRobot.values.allSatisfy({ $0 == 0 }) { $0.oldest = nil }
      $0.version &+= 1
    }
    await refreshBacklog()
  }

  /// Recounts the outbox from the file (at start, and after deliveries).
  /// A count that changed while the file was read is recounted (a few times at most; the
  /// counters stay right meanwhile, the recount only mends what they cannot see).
  private func refreshBacklog() async {
    for _ in 0..<5 {
      let version = backlog.withLock { $0.version }
      guard let pending = try? await outbox.pending(limit: 100_000) else { return }
      var perRobot: [String: Int] = [:]
      var oldest: Date?
      for entry in pending {
        guard let record = try? Workcell_Common_V1_CycleRecord(serializedBytes: entry.payload) else { continue }
        perRobot[record.robot, default: 0] += 1
        let ended = record.endedAt.date
        oldest = min(oldest ?? ended, ended)
      }
      let current = backlog.withLock {
        guard $0.version == version else { return false }
        $0 = (perRobot, oldest, version &+ 1)
        return true
      }
      metrics.outboxDepth(pending.count)
      if current { return }
    }
  }

  // MARK: For the RPCs

  func outboxDepth(_ robot: String) -> Int { backlog.withLock { $0.perRobot[robot] ?? 0 } }
  var outboxOldest: Date? { backlog.withLock { $0.oldest } }

  /// Before a robot runs (Start is the operator's reset and start): a faulted robot's side gets
  /// its PLC faults reset and its arm homed; a controller left stopped by an e-stop (or by a
  /// safety chain that was unknown while the PLCs connected) is resumed — only once the chain
  /// is known closed again.
  func prepare(_ robot: CellConfig.Robot, faulted: Bool) async throws {
    let equipment = Self.equipment(config, robot.id)
    let control = try peers.control(robot.id)
    if faulted {
      _ = try await peers.plcBridge.resetFault(.with { $0.side = robot.side }, options: .timeout(seconds: 5))
    }
    // plc-bridge's safety stream may still be connecting: give it a few seconds to say.
    let known = clock.now().addingTimeInterval(5)
    while !safety.estopOK(robot.side), clock.now() < known { try await clock.sleep(seconds: 0.05) }
    guard safety.estopOK(robot.side) else {
      throw RPCError(
        code: .failedPrecondition,
        message: "The \(robot.side == .left ? "left" : "right") side's safety chain is open or unknown (plc-bridge); release the e-stop first.")
    }
    let mode = await feeds[robot.id]?.current()?.mode
    if let mode, [.stopped, .fault, .stopping].contains(mode) {
      _ = try await control.resume(.with { $0.robot = equipment }, options: .timeout(seconds: clock.wallTimeout(seconds: 5)))
    }
    if faulted {
      _ = try await control.home(.with { $0.robot = equipment }, options: .timeout(seconds: clock.wallTimeout(seconds: 30)))
    }
  }

  /// A stream of every record written from now on, for the robots named (all when empty).
  func watch(robots: Set<String>) -> (AsyncStream<Workcell_Common_V1_CycleRecord>, cancel: @Sendable () -> Void) {
    let (stream, sink) = AsyncStream.makeStream(of: Workcell_Common_V1_CycleRecord.self, bufferingPolicy: .bufferingNewest(10_000))
    let id = UUID()
    watchers.withLock { $0[id] = (robots, sink) }
    return (stream, { [weak self] in _ = self?.watchers.withLock { $0.removeValue(forKey: id) } })
  }
}
