import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Testing
import YieldKPI
import YieldStore

@testable import YieldService

/// The REST API over a real (SQLite, in-memory) store, through Hummingbird's router.
@Suite("Yield REST API")
struct YieldRESTTests {
  static let readToken = "mes-token"
  static let writeToken = "cell-token"

  /// Runs `body` against a fresh service; `calendar` is the plant's shift calendar.
  func withAPI(
    calendar: ShiftCalendar? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    var logger = Logger(label: "yield-rest-tests")
    logger.logLevel = .warning
    let store = try await SQLiteYieldStore.open(.memory, logger: logger)
    try await store.migrate(logger: logger)
    let metrics = YieldMetrics(registry: PrometheusCollectorRegistry())
    let queries = YieldQueries(store: store, calendar: calendar, metrics: metrics)
    let authority = try TokenAuthority(
      text: "mes read \(Self.sha256(Self.readToken))\ncell write \(Self.sha256(Self.writeToken))", source: "tokens")
    let rest = YieldREST(
      queries: queries, ingest: YieldIngest(store: store, metrics: metrics), authority: authority,
      openAPIDocument: Array("openapi: 3.1.0\n".utf8), protectOpenAPI: false, logger: logger)
    let router = Router()
    rest.register(on: router)
    try await Application(router: router).test(.router, body)
    try await store.close()
  }

  static func sha256(_ token: String) -> String {
    SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
  }

  static let base = Date(timeIntervalSince1970: 1_795_586_400)  // 2026-11-25T06:00:00Z

  /// The ten cycles of the hand-computed example (see the expectations in `kpis`).
  static func tenCycles(cell: String = "c1", model: String = "m-1") -> [[String: Any]] {
    let plan: [(String, Int, Int, String?)] = [
      ("ok", 1, 60_000, nil), ("ok", 1, 65_000, nil), ("ok", 2, 70_000, nil), ("ok", 1, 74_000, nil),
      ("ok", 1, 76_000, nil), ("ok", 1, 78_000, nil), ("ok", 3, 80_000, nil), ("nok", 1, 90_000, "grip_slip"),
      ("nok", 2, 72_000, "spline_misaligned"), ("aborted", 1, 30_000, "estop"),
    ]
    return plan.enumerated().map { index, entry in
      let ended = base.addingTimeInterval(Double(index + 1) * 300)
      var cycle: [String: Any] = [
        "cycle_id": String(format: "00000000-0000-4000-8000-%012x", index + (cell == "c1" ? 0 : 100)),
        "plant": "plant-1", "line": "line-1", "cell": cell, "robot": "r1", "station": "nut_install",
        "started_at": RFC3339.format(ended.addingTimeInterval(-Double(entry.2) / 1000)),
        "ended_at": RFC3339.format(ended), "cycle_ms": entry.2, "outcome": entry.0, "attempts": entry.1,
        "model_version": model, "ideal_cycle_ms": 76_000,
      ]
      if let code = entry.3 { cycle["failure_code"] = code }
      return cycle
    }
  }

  static func body(_ object: Any) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
  }

  static func json(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
  }

  /// A JSON number equal to `expected` within rounding (clients parse the shortest decimal).
  static func close(_ value: Any?, _ expected: Double) -> Bool {
    guard let value = value as? Double else { return false }
    return abs(value - expected) <= 1e-12
  }

  static func headers(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

  @Test("ingest is idempotent; yield, FPY, takt and percentiles match the hand computation")
  func kpis() async throws {
    try await withAPI { client in
      let post = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles()]))
      #expect(post.status == .ok)
      #expect(Self.json(post)["accepted"] as? Int == 10)
      let again = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles()]))
      #expect(Self.json(again)["duplicates"] as? Int == 10)

      let yield = try await client.execute(
        uri: "/api/v1/yield?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=cell",
        method: .get, headers: Self.headers(Self.readToken))
      #expect(yield.status == .ok)
      let row = try #require((Self.json(yield)["rows"] as? [[String: Any]])?.first)
      #expect(row["cell"] as? String == "c1")
      #expect(row["cycles"] as? Int == 10 && row["ok"] as? Int == 7 && row["nok"] as? Int == 2)
      #expect(row["aborted"] as? Int == 1)
      #expect(Self.close(row["yield"], 7.0 / 9))
      #expect(Self.close(row["first_pass_yield"], 5.0 / 9))
      #expect(Self.close(row["takt_compliance"], 5.0 / 7))
      #expect(row["cycle_ms_p50"] as? Int == 74_000, "nearest rank: 5th of 9 non-aborted")
      #expect(row["cycle_ms_p95"] as? Int == 90_000)
      #expect(row["cycle_ms_max"] as? Int == 90_000)
      #expect(row["bucket_start"] == nil, "no time dimension, no bucket_start")

      let pareto = try await client.execute(
        uri: "/api/v1/failures/pareto?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z",
        method: .get, headers: Self.headers(Self.readToken))
      let failures = try #require(Self.json(pareto)["failures"] as? [[String: Any]])
      #expect(failures.map { $0["failure_code"] as? String } == ["estop", "grip_slip", "spline_misaligned"])
      #expect(failures.last?["cumulative_share"] as? Double == 1.0)
    }
  }

  @Test("group_by=model_version: one row per model that drove cycles; OEE refuses it")
  func yieldPerModelVersion() async throws {
    try await withAPI { client in
      for (cell, model) in [("c1", "m-1"), ("c2", "m-2")] {
        let post = try await client.execute(
          uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
          body: Self.body(["cycles": Self.tenCycles(cell: cell, model: model)]))
        #expect(post.status == .ok)
      }
      let yield = try await client.execute(
        uri: "/api/v1/yield?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=model_version",
        method: .get, headers: Self.headers(Self.readToken))
      #expect(yield.status == .ok)
      let rows = try #require(Self.json(yield)["rows"] as? [[String: Any]])
      #expect(rows.map { $0["model_version"] as? String } == ["m-1", "m-2"])
      for row in rows {
        #expect(row["cycles"] as? Int == 10 && row["ok"] as? Int == 7 && row["nok"] as? Int == 2)
        #expect(Self.close(row["yield"], 7.0 / 9))
        #expect(row["cell"] == nil, "only the dimensions grouped by are keys")
      }
      let both = try await client.execute(
        uri: "/api/v1/yield?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=cell,model_version",
        method: .get, headers: Self.headers(Self.readToken))
      let pairs = (Self.json(both)["rows"] as? [[String: Any]])?.map { "\($0["cell"] ?? "")/\($0["model_version"] ?? "")" }
      #expect(pairs == ["c1/m-1", "c2/m-2"])
      // A model no cycle names has no row; OEE is per equipment.
      let oee = try await client.execute(
        uri: "/api/v1/oee?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=model_version",
        method: .get, headers: Self.headers(Self.readToken))
      #expect(oee.status == .badRequest)
      #expect((Self.json(oee)["error"] as? [String: Any])?["code"] as? String == "invalid_parameter")
    }
  }

  @Test("OEE: a 6-minute fault in an hour; ideal time of the 9 counted cycles")
  func oee() async throws {
    try await withAPI { client in
      _ = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles()]))
      let events = try await client.execute(
        uri: "/api/v1/state-events", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body([
          "events": [
            [
              "event_id": "20000000-0000-4000-8000-000000000001", "cell": "c1", "state": "fault",
              "reason": "feeder_jam", "started_at": "2026-11-25T06:30:00Z", "ended_at": "2026-11-25T06:36:00Z",
            ]
          ]
        ]))
      #expect(Self.json(events)["accepted"] as? Int == 1)
      let oee = try await client.execute(
        uri: "/api/v1/oee?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=cell",
        method: .get, headers: Self.headers(Self.readToken))
      let row = try #require((Self.json(oee)["rows"] as? [[String: Any]])?.first)
      #expect(Self.close(row["planned_time_s"], 3600))
      #expect(Self.close(row["downtime_s"], 360))
      #expect(Self.close(row["run_time_s"], 3240))
      #expect(Self.close(row["availability"], 0.9))
      #expect(Self.close(row["performance"], 9 * 76 / 3240.0))
      #expect(Self.close(row["quality"], 7.0 / 9))
      #expect(row["total_count"] as? Int == 9 && row["good_count"] as? Int == 7)
      #expect(row["ideal_cycle_ms"] as? Int == 76_000)
    }
  }

  @Test("shift buckets follow the plant calendar across midnight")
  func shifts() async throws {
    let calendar = try ShiftCalendar(
      timeZoneIdentifier: "Europe/Berlin",
      shifts: [
        ShiftDefinition(name: "early", start: TimeOfDay(hour: 6), end: TimeOfDay(hour: 14)),
        ShiftDefinition(name: "late", start: TimeOfDay(hour: 14), end: TimeOfDay(hour: 22)),
        ShiftDefinition(name: "night", start: TimeOfDay(hour: 22), end: TimeOfDay(hour: 6)),
      ])
    try await withAPI(calendar: calendar) { client in
      // 06:05Z … 06:50Z is 07:05 … 07:50 in Berlin: the early shift that began 05:00Z.
      _ = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles()]))
      let response = try await client.execute(
        uri: "/api/v1/yield?from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z&group_by=shift",
        method: .get, headers: Self.headers(Self.readToken))
      let rows = try #require(Self.json(response)["rows"] as? [[String: Any]])
      #expect(rows.count == 1)
      #expect(rows.first?["shift"] as? String == "early")
      #expect(rows.first?["bucket_start"] as? String == "2026-11-25T05:00:00.000Z")
    }
  }

  @Test("a bad record names its index and field, and nothing of the batch is stored")
  func allOrNothing() async throws {
    try await withAPI { client in
      var cycles = Self.tenCycles()
      cycles[7]["attempts"] = 0
      cycles[3]["ended_at"] = "yesterday"
      let response = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": cycles]))
      #expect(response.status == .badRequest)
      let error = try #require(Self.json(response)["error"] as? [String: Any])
      #expect(error["code"] as? String == "invalid_record")
      let details = try #require(error["details"] as? [[String: Any]])
      #expect(details.contains { $0["index"] as? Int == 7 && $0["field"] as? String == "attempts" })
      #expect(details.contains { $0["index"] as? Int == 3 && $0["field"] as? String == "ended_at" })
      let list = try await client.execute(uri: "/api/v1/cycles", method: .get, headers: Self.headers(Self.readToken))
      #expect((Self.json(list)["cycles"] as? [Any])?.isEmpty == true)
    }
  }

  @Test("401 without a token, 403 with the wrong scope, 400 on unknown parameters and bad ranges")
  func refusals() async throws {
    try await withAPI { client in
      let anonymous = try await client.execute(uri: "/api/v1/cells", method: .get)
      #expect(anonymous.status == .unauthorized)
      #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
      let wrongScope = try await client.execute(
        uri: "/api/v1/cells", method: .get, headers: Self.headers(Self.writeToken))
      #expect(wrongScope.status == .forbidden)
      #expect((Self.json(wrongScope)["error"] as? [String: Any])?["code"] as? String == "forbidden")
      let readerWrites = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.readToken), body: Self.body(["cycles": []]))
      #expect(readerWrites.status == .forbidden)
      for (uri, code) in [
        ("/api/v1/yield?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&colour=red", "unknown_parameter"),
        ("/api/v1/yield?from=2026-11-25T07:00:00Z&to=2026-11-25T06:00:00Z", "invalid_range"),
        ("/api/v1/yield?from=2025-01-01T00:00:00Z&to=2026-11-25T06:00:00Z", "invalid_range"),
        ("/api/v1/yield?from=2026-11-25&to=2026-11-26T00:00:00Z", "invalid_parameter"),
        ("/api/v1/yield?to=2026-11-26T00:00:00Z", "invalid_parameter"),
        ("/api/v1/oee?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&group_by=week", "invalid_parameter"),
        ("/api/v1/cycles?limit=0", "invalid_parameter"),
        ("/api/v1/cycles?page_token=nonsense", "malformed_page_token"),
        ("/api/v1/yield?from=2026-11-25T06:00:00Z&to=2026-11-25T07:00:00Z&tz=CET", "invalid_parameter"),
      ] {
        let response = try await client.execute(uri: uri, method: .get, headers: Self.headers(Self.readToken))
        #expect(response.status == .badRequest, "\(uri)")
        #expect((Self.json(response)["error"] as? [String: Any])?["code"] as? String == code, "\(uri)")
      }
      let notJSON = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken), body: ByteBuffer(string: "{"))
      #expect(notJSON.status == .badRequest)
      #expect((Self.json(notJSON)["error"] as? [String: Any])?["code"] as? String == "invalid_json")
    }
  }

  @Test("paging is newest first and stable while cycles arrive; CSV has every row")
  func pagingAndCSV() async throws {
    try await withAPI { client in
      _ = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles()]))
      let first = try await client.execute(
        uri: "/api/v1/cycles?limit=4", method: .get, headers: Self.headers(Self.readToken))
      let page1 = Self.json(first)
      let ids1 = (page1["cycles"] as? [[String: Any]])?.compactMap { $0["cycle_id"] as? String } ?? []
      #expect(ids1.first == "00000000-0000-4000-8000-000000000009")
      let token = try #require(page1["next_page_token"] as? String)
      // A newer cycle arriving between pages does not shift the next page.
      _ = try await client.execute(
        uri: "/api/v1/cycles", method: .post, headers: Self.headers(Self.writeToken),
        body: Self.body(["cycles": Self.tenCycles(cell: "c2")]))
      var ids = ids1
      var next: String? = token
      while let pageToken = next {
        let response = try await client.execute(
          uri: "/api/v1/cycles?limit=4&cell=c1&page_token=\(pageToken)", method: .get,
          headers: Self.headers(Self.readToken))
        let page = Self.json(response)
        ids += (page["cycles"] as? [[String: Any]])?.compactMap { $0["cycle_id"] as? String } ?? []
        next = page["next_page_token"] as? String
      }
      #expect(ids == (0..<10).reversed().map { String(format: "00000000-0000-4000-8000-%012x", $0) })

      let csv = try await client.execute(
        uri: "/api/v1/cycles.csv?cell=c2", method: .get, headers: Self.headers(Self.readToken))
      #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
      let lines = String(buffer: csv.body).split(separator: "\r\n")
      #expect(lines.first == Substring(CycleCSV.header.trimmingCharacters(in: .newlines)))
      #expect(lines.count == 11)
    }
  }
}
