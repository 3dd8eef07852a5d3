import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The plant's yield page at `/` (docs/yield.md, "The page"): HTML, CSS and a small plain script
/// embedded in the executable, which read the REST API with the browser's read token and redraw
/// when `/page/events` (Server-Sent Events) says cycles arrived or the database's state changed.
struct YieldPage: Sendable {
  let feed: PageFeed
  let rest: YieldREST
  var html: [UInt8] = PackageResources.page_html
  var css: [UInt8] = PackageResources.page_css
  var script: [UInt8] = PackageResources.page_js

  /// Nothing but this origin: the page loads no font, script or style from anywhere else.
  static let contentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

  func register(on router: Router<BasicRequestContext>) {
    let html = self.html
    let css = self.css
    let script = self.script
    // The page and its assets hold no plant data, so they load without a token; the data they
    // show comes from the API, which asks for one.
    router.get("/") { _, _ in Self.asset(html, type: "text/html; charset=utf-8") }
    router.get("/page/style.css") { _, _ in Self.asset(css, type: "text/css; charset=utf-8") }
    router.get("/page/script.js") { _, _ in Self.asset(script, type: "text/javascript; charset=utf-8") }
    router.get("/page/events") { request, _ in events(request) }
  }

  static func asset(_ bytes: [UInt8], type: String) -> Response {
    Response(
      status: .ok,
      headers: [
        .contentType: type, .cacheControl: "no-cache", .contentSecurityPolicy: contentSecurityPolicy,
      ],
      body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  /// GET /page/events: `event: notice` with the feed's state whenever it changes, a comment line as
  /// keep-alive, until the client goes away or the service shuts down.
  func events(_ request: Request) -> Response {
    if let refusal = rest.refusal(request, scope: .read) { return refusal }
    let feed = self.feed
    return Response(
      status: .ok,
      headers: [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
      ],
      body: ResponseBody { (writer: inout any ResponseBodyWriter) async throws in
        let (id, notices) = feed.subscribe()
        defer { feed.unsubscribe(id) }
        try await withGracefulShutdownHandler {
          try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
          var sent: PageNotice?
          for await notice in notices {
            if notice == sent {
              try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            } else {
              try await writer.write(ByteBuffer(string: Self.eventText(notice)))
              sent = notice
            }
          }
        } onGracefulShutdown: {
          feed.unsubscribe(id)
        }
        try await writer.finish(nil)
      })
  }

  /// One `notice` event: `cycles_version`, `newest_cycle_at`, `database` ("ready" or
  /// "unavailable"), `problem` and `shift` (`name`, `start`, `end`, or null without a calendar).
  static func eventText(_ notice: PageNotice) -> String {
    let shift: JSONValue =
      notice.shift.map {
        .object([("name", .string($0.name)), ("start", .time($0.start)), ("end", .time($0.end))])
      } ?? .null
    let data = JSONValue.object([
      ("cycles_version", .int(notice.cyclesVersion)), ("newest_cycle_at", .time(notice.newestCycleAt)),
      ("database", .string(notice.databaseProblem == nil ? "ready" : "unavailable")),
      ("problem", .optional(notice.databaseProblem)), ("shift", shift),
    ])
    return "event: notice\ndata: \(data.serialized)\n\n"
  }
}
