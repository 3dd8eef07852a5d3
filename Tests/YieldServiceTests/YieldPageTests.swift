import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Synchronization
import Testing
import YieldKPI
import YieldStore

@testable import YieldService

/// The page at `/` and its live feed (docs/yield.md, "The page"); the browser test is
/// Tests/Interop/test_yield_page.py.
@Suite("Yield page")
struct YieldPageTests {
  static let logger: Logger = {
    var logger = Logger(label: "yield-page-tests")
    logger.logLevel = .warning
    return logger
  }()

  static func row(_ index: Int, endedAt: Date, cell: String = "c1") -> CycleRow {
    CycleRow(
      cycleID: String(format: "00000000-0000-4000-8000-%012x", index), plant: "p", line: "l", cell: cell,
      robot: "r1", station: "s", startedAt: endedAt.addingTimeInterval(-70), endedAt: endedAt, cycleMs: 70_000,
      outcome: "ok", attempts: 1, modelVersion: "m-1", idealCycleMs: 76_000)
  }

  /// Runs `body` against the REST API and the page over an in-memory SQLite store with tokens.
  func withPage(_ body: @Sendable (any TestClientProtocol, PageFeed) async throws -> Void) async throws {
    let store = try await SQLiteYieldStore.open(.memory, logger: Self.logger)
    try await store.migrate(logger: Self.logger)
    let metrics = YieldMetrics(registry: PrometheusCollectorRegistry())
    let feed = PageFeed(store: store, calendar: nil, logger: Self.logger) { nil }
    let authority = try TokenAuthority(
      text: "mes read \(YieldRESTTests.sha256(YieldRESTTests.readToken))\n"
        + "cell write \(YieldRESTTests.sha256(YieldRESTTests.writeToken))", source: "tokens")
    let rest = YieldREST(
      queries: YieldQueries(store: store, calendar: nil, metrics: metrics),
      ingest: YieldIngest(store: store, metrics: metrics, feed: feed), authority: authority,
      openAPIDocument: [], protectOpenAPI: false, logger: Self.logger)
    let router = Router()
    rest.register(on: router)
    YieldPage(feed: feed, rest: rest).register(on: router)
    try await Application(router: router).test(.router) { client in try await body(client, feed) }
    try await store.close()
  }

  @Test("/, its style and its script come from the binary, open, with a same-origin-only policy")
  func assets() async throws {
    try await withPage { client, _ in
      let page = try await client.execute(uri: "/", method: .get)
      #expect(page.status == .ok)
      #expect(page.headers[.contentType] == "text/html; charset=utf-8")
      let policy = try #require(page.headers[.contentSecurityPolicy])
      #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
      let html = String(buffer: page.body)
      #expect(html.hasPrefix("<!DOCTYPE html>"))
      #expect(html.contains(#"<script src="/page/script.js" defer></script>"#))
      #expect(html.contains(#"<link rel="stylesheet" href="/page/style.css">"#))
      for (uri, type) in [("/page/style.css", "text/css; charset=utf-8"), ("/page/script.js", "text/javascript; charset=utf-8")] {
        let asset = try await client.execute(uri: uri, method: .get)
        #expect(asset.status == .ok, "\(uri)")
        #expect(asset.headers[.contentType] == type)
        #expect(asset.body.readableBytes > 1000, "\(uri) is the embedded file")
      }
      // Nothing is fetched from elsewhere: the only absolute URL in the assets is the SVG namespace.
      for bytes in [PackageResources.page_html, PackageResources.page_css, PackageResources.page_js] {
        let text = String(decoding: bytes, as: UTF8.self)
        let absolute = text.components(separatedBy: "://").count - 1
        let namespace = text.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(absolute == namespace, "an absolute URL besides the SVG namespace")
      }
    }
  }

  @Test("/page/events answers 401 without a token and 403 with a write-only one, as the API does")
  func eventsNeedReadScope() async throws {
    try await withPage { client, feed in
      let anonymous = try await client.execute(uri: "/page/events", method: .get)
      #expect(anonymous.status == .unauthorized)
      #expect(anonymous.headers[.wwwAuthenticate] == #"Bearer realm="workcell-yield""#)
      #expect(String(buffer: anonymous.body).contains(#""code":"unauthenticated""#))
      let writer = try await client.execute(
        uri: "/page/events", method: .get, headers: YieldRESTTests.headers(YieldRESTTests.writeToken))
      #expect(writer.status == .forbidden)
      #expect(feed.subscriberCount == 0)
    }
  }

  @Test("a stored batch reaches the feed; a burst leaves each subscriber one notice, the newest")
  func ingestNotifies() async throws {
    try await withPage { client, feed in
      let (id, notices) = feed.subscribe()
      defer { feed.unsubscribe(id) }
      for cell in ["c1", "c2"] {
        let post = try await client.execute(
          uri: "/api/v1/cycles", method: .post, headers: YieldRESTTests.headers(YieldRESTTests.writeToken),
          body: YieldRESTTests.body(["cycles": YieldRESTTests.tenCycles(cell: cell)]))
        #expect(post.status == .ok)
      }
      // A re-sent batch stores nothing new and announces nothing.
      _ = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: YieldRESTTests.headers(YieldRESTTests.writeToken),
        body: YieldRESTTests.body(["cycles": YieldRESTTests.tenCycles(cell: "c1")]))
      var iterator = notices.makeAsyncIterator()
      let notice = try #require(await iterator.next())
      #expect(notice.cyclesVersion == 2)
      #expect(notice.newestCycleAt == YieldRESTTests.base.addingTimeInterval(3000))
      #expect(notice.databaseProblem == nil)
      #expect(feed.current == notice)
    }
  }

  @Test("check() finds cycles stored by another replica, the database's state and the newest cycle's shift")
  func checkReadsTheDatabase() async throws {
    let store = try await SQLiteYieldStore.open(.memory, logger: Self.logger)
    try await store.migrate(logger: Self.logger)
    let calendar = try ShiftCalendar(
      timeZoneIdentifier: "UTC",
      shifts: [
        ShiftDefinition(name: "early", start: TimeOfDay(hour: 6), end: TimeOfDay(hour: 14)),
        ShiftDefinition(name: "late", start: TimeOfDay(hour: 14), end: TimeOfDay(hour: 22)),
      ])
    let problem = Mutex<String?>(nil)
    let feed = PageFeed(store: store, calendar: calendar, logger: Self.logger) { problem.withLock { $0 } }
    await feed.check()
    #expect(feed.current == PageNotice())

    let ended = YieldRESTTests.base.addingTimeInterval(9 * 3600)  // 15:00Z: the late shift
    _ = try await store.insertCycles([Self.row(1, endedAt: ended)], logger: Self.logger)
    await feed.check()
    #expect(feed.current.cyclesVersion == 1)
    #expect(feed.current.newestCycleAt == ended)
    #expect(feed.current.shift?.name == "late")
    #expect(feed.current.shift?.start == YieldRESTTests.base.addingTimeInterval(8 * 3600))
    #expect(YieldPage.eventText(feed.current).hasPrefix("event: notice\ndata: {\"cycles_version\":1,"))
    #expect(YieldPage.eventText(feed.current).contains(#""shift":{"name":"late","start":"2026-11-25T14:00:00.000Z","end":"2026-11-25T22:00:00.000Z"}"#))

    await feed.check()
    #expect(feed.current.cyclesVersion == 1, "nothing new, no new version")
    problem.withLock { $0 = "database not answering: connection refused" }
    feed.checkReadiness()  // what the feed does every interval while no page listens
    #expect(feed.current.databaseProblem == "database not answering: connection refused")
    await feed.check()
    #expect(feed.current.databaseProblem == "database not answering: connection refused")
    let text = YieldPage.eventText(feed.current)
    #expect(text.contains(#""database":"unavailable","problem":"database not answering: connection refused""#))
    #expect(text.hasSuffix("}\n\n"))
    try await store.close()
  }

  @Test("when the service stops, every open stream ends and later subscriptions end at once")
  func shutdownEndsStreams() async throws {
    let store = try await SQLiteYieldStore.open(.memory, logger: Self.logger)
    try await store.migrate(logger: Self.logger)
    let feed = PageFeed(
      store: store, calendar: nil, config: .init(checkInterval: .milliseconds(20), keepAliveInterval: .milliseconds(40)),
      logger: Self.logger
    ) { nil }
    let (_, notices) = feed.subscribe()
    let running = Task { try await feed.run() }
    // The keep-alive re-sends the unchanged notice while it runs.
    var received = 0
    for await _ in notices {
      received += 1
      if received == 3 { break }
    }
    #expect(received == 3)
    let (_, open) = feed.subscribe()
    running.cancel()
    try await running.value
    var after = 0
    for await _ in open { after += 1 }
    #expect(after <= 2, "the stream ended")
    let (_, late) = feed.subscribe()
    var lateCount = 0
    for await _ in late { lateCount += 1 }
    #expect(lateCount == 0)
    #expect(feed.subscriberCount == 0)
    try await store.close()
  }
}
