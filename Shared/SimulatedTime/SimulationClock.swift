import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The fleet's clock in a simulation: time stands still while any participant computes and
/// moves only when every one of them waits on it (conservative, lock-step discrete-event
/// simulation; docs/simulation.md, "Simulated time").
///
/// - Participants are *activities* (`SimActivity`): while an activity's task runs it holds the
///   clock; `sleep(until:)` releases the hold and registers a wake-up. An RPC carries its caller's
///   activity to the handler (the runtime's interceptors), so a handler that waits on the clock
///   lets time run for the caller, who is blocked on it.
/// - A message written on a stream holds the clock until its reader asks for the next one
///   (`holdMessage` / `releaseMessage`), so what is published at an instant is read at that instant.
/// - The owner (cell-sim's stepping thread) advances it: `waitUntilIdle` blocks until nobody
///   holds the clock, `advance(toMicroseconds:)` moves time and wakes the sleepers that are due,
///   one at a time in (time, activity name) order, waiting for each to go back to sleep before
///   the next runs — so participants due at the same instant act in the same order every run.
///
/// Times are whole microseconds since the run's start (`startTime`): a `Date` is rounded to the
/// microsecond, so the same simulated instant is the same number whatever the start time.
public final class SimulationClock: WorkcellClock, @unchecked Sendable {
  /// Looks at the holds before the owner's thread parks in `waitUntilIdle`.
  static let spinsBeforeParking = 64

  private struct Sleeper {
    var wakeUs: Int64
    var name: String
    var order: UInt64
    var token: UInt64
    var tracked: Bool
    var activity: UInt64
    var continuation: CheckedContinuation<Void, any Error>

    func before(_ other: Sleeper) -> Bool {
      if wakeUs != other.wakeUs { return wakeUs < other.wakeUs }
      if name != other.name { return name < other.name }
      return order < other.order
    }
  }

  private let lock = NSCondition()
  private var nowUs: Int64 = 0
  private var start: Date
  private var running = 0
  private var sleepers: [Sleeper] = []
  private var nextToken: UInt64 = 0
  private var nextActivity: UInt64 = 0
  private var activities: [UInt64: SimActivity] = [:]
  /// Tasks awake per activity (for diagnostics: who holds the clock).
  private var awake: [UInt64: Int] = [:]
  private var cancelledTokens = Set<UInt64>()
  private var streams: [UInt64: Int] = [:]
  private var nextStream: UInt64 = 0
  private var streamNames: [UInt64: String] = [:]
  private var streamTotals: [UInt64: (held: Int, released: Int)] = [:]
  /// Wake-ups per activity name and messages per stream name since the start (diagnostics).
  private var wakeTotals: [String: Int] = [:]
  private var messageTotals: [String: Int] = [:]
  private var poked = false

  /// The thread the participants run on when the whole fleet shares one (`SimExecutor`): the
  /// owner runs their jobs whenever it waits on the clock. Nil: they run on the thread pool.
  public let executor: SimExecutor?

  /// A clock reading `startTime` at simulated time 0; with `executor`, its owner runs the jobs
  /// of the tasks that prefer that executor while it waits.
  public init(startTime: Date = Date(timeIntervalSince1970: 0), executor: SimExecutor? = nil) {
    self.start = startTime
    self.executor = executor
  }

  // MARK: WorkcellClock

  public func now() -> Date {
    lock.lock()
    defer { lock.unlock() }
    return start.addingTimeInterval(Double(nowUs) / 1e6)
  }

  public var isSimulated: Bool { true }

  public func wallTimeout(seconds: Double) -> Double? { nil }

  public var elapsed: Duration { .microseconds(elapsedMicroseconds) }

  /// Simulated time since the clock began, microseconds (a restart keeps counting).
  public var elapsedMicroseconds: Int64 {
    lock.lock()
    defer { lock.unlock() }
    return nowUs
  }

  /// The run's start time (simulated time 0).
  public var startTime: Date {
    lock.lock()
    defer { lock.unlock() }
    return start
  }

  /// Microseconds since the start of `date`, rounded to the nearest.
  private func microseconds(_ date: Date) -> Int64 {
    (date.timeIntervalSince(start) * 1e6).rounded().clampedToInt64
  }

  public func sleep(until date: Date) async throws {
    let activity = SimActivity.current
    let token = lock.locked {
      nextToken &+= 1
      return nextToken
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        lock.lock()
        if cancelledTokens.remove(token) != nil || Task.isCancelled {
          lock.unlock()
          continuation.resume(throwing: CancellationError())
          return
        }
        let wakeUs = microseconds(date)
        guard wakeUs > nowUs else {
          lock.unlock()
          continuation.resume()
          return
        }
        if let activity { release(activity.id) }
        let sleeper = Sleeper(
          wakeUs: wakeUs, name: activity?.name ?? "", order: token, token: token, tracked: activity != nil,
          activity: activity?.id ?? 0, continuation: continuation)
        let index = sleepers.firstIndex { sleeper.before($0) } ?? sleepers.endIndex
        sleepers.insert(sleeper, at: index)
        lock.unlock()
      }
    } onCancel: {
      lock.lock()
      guard let index = sleepers.firstIndex(where: { $0.token == token }) else {
        cancelledTokens.insert(token)
        lock.unlock()
        return
      }
      let sleeper = sleepers.remove(at: index)
      if sleeper.tracked { acquire(sleeper.activity) }
      lock.unlock()
      sleeper.continuation.resume(throwing: CancellationError())
    }
  }

  /// Sleeps until the next whole multiple of `periodS` of simulated time (after now): periodic
  /// loops keep the same phase whenever they started.
  public func sleep(untilNextMultipleOf periodS: Double) async throws {
    let periodUs = max(Int64((periodS * 1e6).rounded()), 1)
    let (nowUs, start) = lock.locked { (self.nowUs, self.start) }
    let nextUs = (nowUs / periodUs + 1) * periodUs
    try await sleep(until: start.addingTimeInterval(Double(nextUs) / 1e6))
  }

  // MARK: Activities

  /// Runs `body` as a new activity named `name`, holding the clock while it runs (its sleeps
  /// release it). Use at the root of a participant's task, never inside another activity's task.
  public func activity<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
    let activity = lock.locked {
      nextActivity &+= 1
      let activity = SimActivity(name: name, id: nextActivity)
      activities[activity.id] = activity
      acquire(activity.id)
      return activity
    }
    defer {
      lock.locked {
        activities.removeValue(forKey: activity.id)
        release(activity.id)
        awake.removeValue(forKey: activity.id)
      }
    }
    return try await SimActivity.$current.withValue(activity) { try await body() }
  }

  public func waitingOnOthers<T>(_ body: () async throws -> T) async rethrows -> T {
    guard let activity = SimActivity.current else { return try await body() }
    lock.locked { release(activity.id) }
    defer { lock.locked { acquire(activity.id) } }
    return try await body()
  }

  /// The names of the activities running now (who takes part; for a fleet's start-up checks).
  public var participants: [String] { lock.locked { activities.values.map(\.name).sorted() } }

  /// The live activity with `id` (an RPC's caller, named in its metadata).
  public func activity(id: UInt64) -> SimActivity? { lock.locked { activities[id] } }

  /// Called with the lock held: a task of `activity` is awake again.
  private func acquire(_ activity: UInt64) {
    running += 1
    awake[activity, default: 0] += 1
  }

  /// Called with the lock held: a task of `activity` waits.
  private func release(_ activity: UInt64) {
    awake[activity, default: 0] -= 1
    release()
  }

  /// Called with the lock held: one hold fewer; the owner wakes when none is left.
  private func release() {
    running -= 1
    if running <= 0 {
      running = 0
      lock.broadcast()
    }
  }

  // MARK: Streams

  /// A stream whose messages hold the clock until read; `closeStream` releases what is unread.
  public func openStream() -> UInt64 { openStream(named: "") }

  /// The same, named for diagnostics (`holders`).
  public func openStream(named name: String) -> UInt64 {
    lock.locked {
      nextStream &+= 1
      streams[nextStream] = 0
      if !name.isEmpty { streamNames[nextStream] = name }
      return nextStream
    }
  }

  /// A message was written on `stream`: it holds the clock until its reader takes the next one.
  /// Nothing happens for a stream that is closed (or was never opened here).
  public func holdMessage(stream: UInt64) {
    lock.locked {
      guard let held = streams[stream] else { return }
      streams[stream] = held + 1
      streamTotals[stream, default: (0, 0)].held += 1
      messageTotals[streamNames[stream] ?? "", default: 0] += 1
      running += 1
    }
  }

  /// The reader of `stream` is done with one message.
  public func releaseMessage(stream: UInt64) {
    lock.locked {
      guard let held = streams[stream], held > 0 else { return }
      streams[stream] = held - 1
      streamTotals[stream, default: (0, 0)].released += 1
      release()
    }
  }

  /// The stream ended: whatever it still held is released.
  public func closeStream(_ stream: UInt64) {
    lock.locked {
      guard let held = streams.removeValue(forKey: stream) else { return }
      streamNames.removeValue(forKey: stream)
      streamTotals.removeValue(forKey: stream)
      running -= held
      if running <= 0 {
        running = 0
        lock.broadcast()
      }
    }
  }

  // MARK: The owner

  /// From now on the clock reads `startTime` (a Reset of the world): the calendar mapping moves,
  /// elapsed time and the sleepers' wake-ups do not.
  public func restart(at startTime: Date) {
    lock.locked {
      start = startTime.addingTimeInterval(-Double(nowUs) / 1e6)
    }
  }

  /// Whether nobody holds the clock now.
  public var isIdle: Bool { lock.locked { running == 0 } }

  /// Holds on the clock now (activities awake and messages unread), for diagnostics.
  public var holds: Int { lock.locked { running } }

  /// Who holds the clock now: activities with tasks awake, streams with unread messages.
  public var holders: String { lock.locked { holdersLocked } }

  private var holdersLocked: String {
    let tasks = awake.filter { $0.value != 0 }.map { "\(activities[$0.key]?.name ?? "ended#\($0.key)")×\($0.value)" }
    let messages = streams.filter { $0.value > 0 }.map {
      "stream#\($0.key) \(streamNames[$0.key] ?? "")×\($0.value) (held \(streamTotals[$0.key]?.held ?? 0), released \(streamTotals[$0.key]?.released ?? 0))"
    }
    return (tasks.sorted() + messages.sorted()).joined(separator: ", ")
  }

  private var lastStallReport = ""

  /// How often each activity was woken and how many messages each stream held the clock for,
  /// since the start: where a simulation's wall time goes (each costs a few thread hand-overs).
  public var traffic: (wakes: [String: Int], messages: [String: Int]) {
    lock.locked { (wakeTotals, messageTotals) }
  }

  /// What held the clock when `advance` last gave up waiting (diagnostics).
  public var lastStall: String { lock.locked { lastStallReport } }


  /// Blocks the calling thread (the owner's, never a Swift concurrency thread) until nobody
  /// holds the clock, or `timeoutS` of wall time passed (then false).
  ///
  /// `service` runs (outside the lock) each time someone `poke`s the clock meanwhile: the owner
  /// serves what participants ask of it while they hold the clock (in-process controllers).
  @discardableResult
  public func waitUntilIdle(timeoutS: Double, service: (() -> Void)? = nil) -> Bool {
    // A participant usually goes back to sleep within tens of microseconds: look a few times
    // before parking the thread (a futex wake-up costs as much as the wait).
    for _ in 0..<Self.spinsBeforeParking {
      lock.lock()
      let (done, serve) = (running <= 0 && !poked, poked)
      lock.unlock()
      if done { return true }
      if serve { break }  // someone asked for the owner (a job queued, a request): at once
      sched_yield()
    }
    lock.lock()
    defer { lock.unlock() }
    return waitUntilIdleLocked(timeoutS: timeoutS, service: service)
  }

  /// `waitUntilIdle` with the lock held (and held again on return).
  private func waitUntilIdleLocked(timeoutS: Double, service: (() -> Void)?) -> Bool {
    let limit = Date(timeIntervalSinceNow: timeoutS)
    while running > 0 {
      if poked {
        poked = false
        if service != nil || executor != nil {
          lock.unlock()
          servePokes(service)
          lock.lock()
          continue
        }
      }
      if !lock.wait(until: limit) {
        if running > 0 { return false }
      }
    }
    return true
  }

  /// Blocks the owner until someone `poke`s the clock or `timeoutS` of wall time passed, then
  /// runs the executor's jobs and `service` (the owner waiting for something other than idleness).
  public func waitForPoke(timeoutS: Double, service: (() -> Void)? = nil) {
    lock.lock()
    if !poked { _ = lock.wait(until: Date(timeIntervalSinceNow: timeoutS)) }
    poked = false
    lock.unlock()
    servePokes(service)
  }

  /// What a poke asks of the owner: the executor's queued jobs, then `service`. Lock not held.
  private func servePokes(_ service: (() -> Void)?) {
    executor?.runPending()
    service?()
  }

  /// Wakes the owner's `waitUntilIdle` to run its `service` (a participant asked it for something).
  public func poke() {
    lock.locked {
      poked = true
      lock.broadcast()
    }
  }

  /// Tasks sleeping on the clock.
  public var sleeperCount: Int { lock.locked { sleepers.count } }

  /// The earliest registered wake-up, microseconds since the start.
  public var nextWakeMicroseconds: Int64? { lock.locked { sleepers.first?.wakeUs } }

  /// Moves time to `microseconds` and wakes every sleeper due by then, one at a time in (time,
  /// activity name) order; after each woken activity it waits (up to `stallLimitS` of wall time)
  /// until nobody holds the clock. Returns false if a wait gave up.
  @discardableResult
  public func advance(toMicroseconds microseconds: Int64, stallLimitS: Double, service: (() -> Void)? = nil) -> Bool {
    lock.lock()
    // Time never moves while someone holds the clock: an activity that began after the owner's
    // last look (a handler, a new participant) finishes its computing first.
    // One that holds it past the stall limit is stepped past, as below.
    var settled = waitUntilIdleLocked(timeoutS: stallLimitS, service: service)
    if !settled {
      lastStallReport = "moving to \(microseconds) µs; holding after \(stallLimitS) s: \(holdersLocked)"
    }
    nowUs = max(nowUs, microseconds)
    while let first = sleepers.first, first.wakeUs <= nowUs {
      sleepers.removeFirst()
      wakeTotals[first.name, default: 0] += 1
      if first.tracked { acquire(first.activity) }
      lock.unlock()
      first.continuation.resume()
      if first.tracked, !waitUntilIdle(timeoutS: stallLimitS, service: service) {
        settled = false
        let report = "woke \(first.name) at \(first.wakeUs) µs; holding after \(stallLimitS) s: \(holders)"
        lock.locked { lastStallReport = report }
      }
      lock.lock()
    }
    lock.unlock()
    return settled
  }
}

extension NSCondition {
  fileprivate func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock()
    defer { unlock() }
    return try body()
  }
}

extension Double {
  fileprivate var clampedToInt64: Int64 {
    guard isFinite else { return self > 0 ? .max : .min }
    if self >= 9.2e18 { return .max }
    if self <= -9.2e18 { return .min }
    return Int64(self)
  }
}
