import Foundation

/// The time a service reads and waits on: the host's clock in production (`WallClock`), the
/// simulation's in a simulated shift (`SimulationClock`). Every wait that decides an outcome —
/// a step deadline, a poll period, a PLC timer, a frame's age — goes through the clock the
/// service was given, never through `Date()`, `ContinuousClock` or `Task.sleep` directly; a
/// service has no other simulation-only branch (docs/simulation.md, "Simulated time").
public protocol WorkcellClock: Sendable {
  /// Now, as a calendar time (simulated time is the run's start time plus simulated seconds).
  func now() -> Date
  /// Sleeps until the clock reads `date` or later. Throws `CancellationError` when the task is
  /// cancelled while waiting.
  func sleep(until date: Date) async throws
  /// The wall-clock timeout for an RPC that should take `seconds` on this clock, or nil for none.
  /// The wall clock returns `seconds`. The simulation clock returns nil: every participant runs
  /// in this process on its time, where a wall timer decides nothing (what happens in time is
  /// decided on the clock) and costs a timer task per call on both ends. A participant that hangs
  /// holding the clock shows as a stall the clock's owner reports; a cycle that never ends, as the
  /// shift's drain deadline (`workcell demo`).
  func wallTimeout(seconds: Double) -> Double?
  /// The clock is simulated: time stands still while participants compute.
  var isSimulated: Bool { get }
  /// Runs `body` as a participant that holds a simulated clock while it computes (its sleeps on
  /// the clock release it): a publishing loop, a poll loop, a robot's cycle loop. On the wall
  /// clock it just runs `body`.
  func activity<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T
  /// Sleeps until the next whole multiple of `periodS` seconds on this clock, so a periodic loop
  /// keeps the same phase whenever it started.
  func sleep(untilNextMultipleOf periodS: Double) async throws
  /// Time since a fixed origin that never jumps (a PLC's scan clock, ages and timeouts): the
  /// host's monotonic clock, or simulated time since the simulation began.
  var elapsed: Duration { get }
  /// Runs `body` — a wait for another participant (a poll loop's next event), not for the clock —
  /// with the current activity's hold released, so time can move on meanwhile; the hold is
  /// taken again before this returns. On the wall clock it just runs `body`.
  func waitingOnOthers<T>(_ body: () async throws -> T) async rethrows -> T
  /// A stream whose messages hold a simulated clock until read (`ClockHeldSequence`); the wall
  /// clock's streams hold nothing.
  func openStream() -> UInt64
  func holdMessage(stream: UInt64)
  func releaseMessage(stream: UInt64)
  func closeStream(_ stream: UInt64)
}

extension WorkcellClock {
  /// Sleeps `seconds` on this clock.
  public func sleep(seconds: Double) async throws {
    try await sleep(until: now().addingTimeInterval(seconds))
  }

  public func sleep(untilNextMultipleOf periodS: Double) async throws {
    let nowS = now().timeIntervalSince1970
    let next = ((nowS / periodS).rounded(.down) + 1) * periodS
    try await sleep(until: Date(timeIntervalSince1970: next))
  }

  /// Seconds on this clock since `date`.
  public func seconds(since date: Date) -> Double { now().timeIntervalSince(date) }
}

/// The host's clock: `Date()` and `Task.sleep`.
public struct WallClock: WorkcellClock {
  public init() {}

  public func now() -> Date { Date() }

  public func sleep(until date: Date) async throws {
    let seconds = date.timeIntervalSinceNow
    if seconds > 0 { try await Task.sleep(for: .nanoseconds(Int64(min(seconds, 1e9) * 1e9))) }
    try Task.checkCancellation()
  }

  public func wallTimeout(seconds: Double) -> Double? { seconds }

  public var isSimulated: Bool { false }

  private static let origin = ContinuousClock.now

  public var elapsed: Duration { ContinuousClock.now - Self.origin }

  public func activity<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T { try await body() }

  public func waitingOnOthers<T>(_ body: () async throws -> T) async rethrows -> T { try await body() }

  public func openStream() -> UInt64 { 0 }
  public func holdMessage(stream: UInt64) {}
  public func releaseMessage(stream: UInt64) {}
  public func closeStream(_ stream: UInt64) {}
}
