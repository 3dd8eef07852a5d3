import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import YieldKPI
import YieldStore

/// What the yield page's event stream tells a browser: that cycles arrived (so it asks the REST
/// API again) and whether the database answers. Figures never travel here; the page reads them
/// from the API, so the KPI definitions stay in YieldKPI.
struct PageNotice: Sendable, Equatable {
  /// Grows whenever new cycles are stored (by this replica) or seen in the database (by another).
  var cyclesVersion: Int = 0
  /// `ended_at` of the newest cycle known; nil before the first.
  var newestCycleAt: Date?
  /// Nil when the database answers, else why not (the readiness problem of `/readyz`).
  var databaseProblem: String?
  /// The calendar's shift holding the newest cycle: the page's default window.
  var shift: ShiftInstance?
}

/// Fans `PageNotice`s out to the open event streams of the page. Cycles stored through this
/// replica are announced at once; every `checkInterval`, while a browser listens, one query for the
/// newest cycle catches those stored through another replica, and the database's state is re-read.
/// Each subscriber holds only the newest notice, so a burst of batches costs a browser one refresh.
final class PageFeed: Service, Sendable {
  struct Config: Sendable {
    /// How often the database's state is re-read, and (while a page listens) the newest cycle.
    var checkInterval: Duration
    /// How often an unchanged notice is re-sent, so a stream's comment keeps proxies from closing it.
    var keepAliveInterval: Duration
    static var defaults: Config { Config(checkInterval: .seconds(2), keepAliveInterval: .seconds(15)) }
  }

  private struct State {
    var notice = PageNotice()
    var subscribers: [Int: AsyncStream<PageNotice>.Continuation] = [:]
    var nextID = 0
    var closed = false
  }

  let store: any YieldStore
  let calendar: ShiftCalendar?
  let readinessProblem: @Sendable () -> String?
  let config: Config
  let logger: Logger
  private let state = Mutex(State())

  init(
    store: any YieldStore, calendar: ShiftCalendar?, config: Config = .defaults, logger: Logger,
    readinessProblem: @escaping @Sendable () -> String?
  ) {
    self.store = store
    self.calendar = calendar
    self.config = config
    self.logger = logger
    self.readinessProblem = readinessProblem
  }

  var current: PageNotice { state.withLock { $0.notice } }
  var subscriberCount: Int { state.withLock { $0.subscribers.count } }

  /// A stream of notices that starts with the current one; it ends when the service shuts down.
  func subscribe() -> (id: Int, notices: AsyncStream<PageNotice>) {
    let (stream, continuation) = AsyncStream.makeStream(of: PageNotice.self, bufferingPolicy: .bufferingNewest(1))
    let id = state.withLock { state -> Int in
      defer { state.nextID += 1 }
      if state.closed {
        continuation.finish()
      } else {
        state.subscribers[state.nextID] = continuation
        continuation.yield(state.notice)
      }
      return state.nextID
    }
    return (id, stream)
  }

  func unsubscribe(_ id: Int) {
    let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
    continuation?.finish()
  }

  /// Called after a batch's commit with the `ended_at` of its new cycles.
  func cyclesStored(endedAt: [Date]) {
    guard let newest = endedAt.max() else { return }
    update { notice in
      notice.cyclesVersion += 1
      if notice.newestCycleAt.map({ newest > $0 }) ?? true { notice.newestCycleAt = newest }
    }
  }

  func run() async throws {
    await cancelWhenGracefulShutdown {
      await self.check()
      var sinceKeepAlive = Duration.zero
      while !Task.isCancelled {
        try? await Task.sleep(for: self.config.checkInterval)
        sinceKeepAlive += self.config.checkInterval
        // The database's state is a memory read: always kept current. The newest cycle is a query:
        // only while a page listens.
        guard self.subscriberCount > 0 else {
          self.checkReadiness()
          continue
        }
        await self.check()
        if sinceKeepAlive >= self.config.keepAliveInterval {
          sinceKeepAlive = .zero
          self.resend()
        }
      }
    }
    let open = state.withLock { state -> [AsyncStream<PageNotice>.Continuation] in
      state.closed = true
      defer { state.subscribers = [:] }
      return Array(state.subscribers.values)
    }
    for continuation in open { continuation.finish() }
  }

  /// Re-reads the database's state and its newest cycle.
  func check() async {
    let problem = readinessProblem()
    var newest: Date?
    if problem == nil {
      do {
        newest = try await store.cycles(CycleFilter(), limit: 1, after: nil, logger: logger).rows.first?.endedAt
      } catch {
        logger.debug("page feed: newest cycle unknown", metadata: ["error": "\(error.message)"])
      }
    }
    update { notice in
      notice.databaseProblem = problem
      if let newest, notice.newestCycleAt.map({ newest > $0 }) ?? true {
        notice.newestCycleAt = newest
        notice.cyclesVersion += 1
      }
    }
  }

  /// Re-reads only the database's state (no query).
  func checkReadiness() {
    let problem = readinessProblem()
    update { $0.databaseProblem = problem }
  }

  private func update(_ change: (inout PageNotice) -> Void) {
    state.withLock { state in
      var notice = state.notice
      change(&notice)
      notice.shift = notice.newestCycleAt.flatMap { calendar?.shift(containing: $0) }
      guard notice != state.notice else { return }
      state.notice = notice
      for continuation in state.subscribers.values { continuation.yield(notice) }
    }
  }

  private func resend() {
    state.withLock { state in
      for continuation in state.subscribers.values { continuation.yield(state.notice) }
    }
  }
}
