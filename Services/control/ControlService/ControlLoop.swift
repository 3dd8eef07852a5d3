import Foundation
import JointBus
import Logging
import ServiceLifecycle
import Synchronization
import WholeBodyControl

#if canImport(Glibc)
  import Glibc
#endif

/// The 1 kHz control loop of one robot, on a thread of its own (never on the Swift cooperative
/// pool: async work cannot starve it, and it never blocks an executor thread). Per tick, like
/// ros2_control's read → update → write: take the newest state datagram, `update` the controller,
/// send the command datagram; then apply the gRPC handlers' queued requests and publish the
/// snapshot they read.
///
/// Pacing: on the wall clock, absolute 1 ms deadlines (`clock_nanosleep(TIMER_ABSTIME)`); on the
/// joint-bus clock, each state datagram is a tick (a lock-stepped simulation steps when the
/// command arrives). The thread ends when the service shuts down; `run()` returns only after it has.
final class ControlLoop: Service, Sendable {
  let link: JointBusLink
  let robotIndex: UInt8
  let clockSource: ControlClock.Source
  let config: WholeBodyController.Config
  let handle: ControllerHandle
  let metrics: ControlMetrics
  let logger: Logger
  /// A simulated world in this process that ticks the controller directly (no thread, no UDP).
  let hub: JointBusHub?
  /// Unix time now (the fleet's clock): the joint-bus clock's epoch is learned on it.
  let unixNow: @Sendable () -> UInt64
  /// SCHED_FIFO priority asked for the thread (0 = ordinary).
  let realtimePriority: Int
  private let stopRequested = Atomic<Bool>(false)
  private let threadAlive = Atomic<Bool>(false)

  /// The loop's thread is running (it ends before `run()` returns).
  var isThreadRunning: Bool { threadAlive.load(ordering: .sequentiallyConsistent) }

  init(
    link: JointBusLink, robotIndex: UInt8, clock: ControlClock.Source, config: WholeBodyController.Config,
    handle: ControllerHandle, metrics: ControlMetrics, logger: Logger, hub: JointBusHub? = nil, realtimePriority: Int = 0,
    unixNow: @escaping @Sendable () -> UInt64 = { ControlClock.unixNanoseconds() }
  ) {
    self.hub = hub
    self.realtimePriority = realtimePriority
    self.unixNow = unixNow
    self.link = link
    self.robotIndex = robotIndex
    self.clockSource = clock
    self.config = config
    self.handle = handle
    self.metrics = metrics
    self.logger = logger
  }

  func run() async throws {
    logger.info(
      "control loop starting",
      metadata: ["joint_bus": "\(link.address)", "robot_index": "\(robotIndex)", "clock": "\(clockSource.rawValue)"])
    handle.loopStarted()
    if let hub {
      // In one process with the simulated world: it calls the controller once per step.
      let ticker = makeTicker(busDescription: "the simulated world in this process")
      handle.notifyOnRequest { hub.requestsWaiting() }
      hub.attach(robot: Int(robotIndex), ticker)
      logger.info("control ticked in process by the simulated world", metadata: ["robot_index": "\(robotIndex)"])
      try? await gracefulShutdown()
      hub.detach(robot: Int(robotIndex))
      ticker.finish()
      logger.info("control loop stopped")
      return
    }
    await withTaskCancellationHandler {
      await withGracefulShutdownHandler {
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
          threadAlive.store(true, ordering: .sequentiallyConsistent)
          let thread = Thread { [self] in
            loop()
            threadAlive.store(false, ordering: .sequentiallyConsistent)
            finished.resume()
          }
          thread.name = "control \(robotIndex)"
          thread.start()
        }
      } onGracefulShutdown: {
        self.stopRequested.store(true, ordering: .relaxed)
      }
    } onCancel: {
      self.stopRequested.store(true, ordering: .relaxed)
    }
    logger.info("control loop stopped")
  }

  // MARK: - The thread

  /// Asks for SCHED_FIFO at `realtimePriority` for the calling thread; says what it got.
  private func takeRealtimeScheduling() {
    guard realtimePriority > 0 else {
      logger.info("control loop on an ordinary thread (--realtime-priority 0)")
      metrics.realtimePriority.set(0.0)
      return
    }
    var parameters = sched_param()
    parameters.sched_priority = Int32(realtimePriority)
    let result = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
    if result == 0 {
      logger.info("control loop thread on SCHED_FIFO", metadata: ["priority": "\(realtimePriority)"])
      metrics.realtimePriority.set(Double(realtimePriority))
    } else {
      logger.info(
        "control loop thread on an ordinary thread: SCHED_FIFO not permitted here",
        metadata: ["priority": "\(realtimePriority)", "errno": "\(result)"])
      metrics.realtimePriority.set(0.0)
    }
  }

  private func loop() {
    if clockSource == .wall { takeRealtimeScheduling() }
    let ticker = makeTicker(busDescription: "udp \(link.address)")
    var datagram = [UInt8](repeating: 0, count: 1024)
    var outgoing = [UInt8](repeating: 0, count: JointBus.commandSize)
    let period = config.periodNanoseconds
    let send: (JointBusCommand) -> Void = { command in
      outgoing.withUnsafeMutableBytes { buffer in
        command.encode(into: buffer)
        _ = self.link.send(UnsafeRawBufferPointer(buffer))
      }
    }
    send(ticker.command)

    var deadline = ControlClock.monotonicNanoseconds()
    while !stopRequested.load(ordering: .relaxed) {
      // 1. The tick.
      let woke: UInt64
      switch clockSource {
      case .wall:
        deadline += period
        Self.sleep(untilMonotonic: deadline)
        woke = ControlClock.monotonicNanoseconds()
        if woke > deadline + period { deadline = woke }  // far behind: skip, don't sprint
        ticker.wallTick(at: woke)
      case .jointBus:
        _ = link.wait(milliseconds: 2)
        woke = ControlClock.monotonicNanoseconds()
      }

      // 2. Read: the newest valid state for this robot.
      var got = false
      while let count = datagram.withUnsafeMutableBytes({ link.receive(into: $0) }) {
        let valid = datagram.withUnsafeBytes { raw in ticker.decodeIncoming(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
        if valid {
          ticker.received()
          got = true
        } else {
          metrics.droppedDatagrams.increment()
        }
      }

      // 3. Update and write; the requests, the snapshot, the replies.
      ticker.step(got: got, woke: woke, send: send)
    }

    // Shutting down: nothing is left waiting.
    ticker.finish()
  }

  private func makeTicker(busDescription: String) -> ControlTicker {
    ControlTicker(
      robotIndex: robotIndex, clock: clockSource, config: config, handle: handle, metrics: metrics, logger: logger,
      busDescription: busDescription, unixNow: unixNow)
  }

  /// Sleeps until the monotonic clock reads `deadline` (absolute, so no drift accumulates).
  private static func sleep(untilMonotonic deadline: UInt64) {
    var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil) == EINTR {}
  }
}
