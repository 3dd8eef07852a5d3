import Foundation
import Hummingbird
import Logging
import NIOCore
import YieldKPI
import YieldStore

/// The REST/JSON API of docs/yield-api.md on the service's HTTP port, under `/api/v1`.
struct YieldREST: Sendable {
  let queries: YieldQueries
  let ingest: YieldIngest
  let authority: TokenAuthority
  let openAPIDocument: [UInt8]
  let protectOpenAPI: Bool
  let logger: Logger

  /// Largest request body accepted: 10 000 records of ~1 KB, with room.
  static let maximumBodyBytes = 32 * 1024 * 1024

  func register(on router: Router<BasicRequestContext>) {
    router.post("/api/v1/cycles") { request, _ in
      await respond("POST /api/v1/cycles", request, scope: .write) { request throws(YieldAPIError) in
        let drafts = try await records(of: request, key: "cycles").map(CycleDraft.init(json:))
        let counts = try await ingest.cycles(drafts, kind: "rest", logger: logger)
        return .object([("accepted", .int(counts.accepted)), ("duplicates", .int(counts.duplicates))])
      }
    }
    router.post("/api/v1/state-events") { request, _ in
      await respond("POST /api/v1/state-events", request, scope: .write) { request throws(YieldAPIError) in
        let drafts = try await records(of: request, key: "events").map(StateEventDraft.init(json:))
        let counts = try await ingest.stateEvents(drafts, logger: logger)
        return .object([("accepted", .int(counts.accepted)), ("duplicates", .int(counts.duplicates))])
      }
    }
    router.get("/api/v1/cells") { request, _ in
      await respond("GET /api/v1/cells", request, scope: .read) { request throws(YieldAPIError) in
        _ = try QueryParameters(request, allowed: [])
        let cells = try await queries.cells(logger: logger)
        return .object([("cells", .array(cells.map(Self.json(cell:))))])
      }
    }
    router.get("/api/v1/cycles") { request, _ in
      await respond("GET /api/v1/cycles", request, scope: .read) { request throws(YieldAPIError) in
        var parameters = try QueryParameters(request, allowed: QueryParameters.cycleFilterNames + ["limit", "page_token"])
        let filter = try parameters.cycleFilter()
        let limit = try parameters.integer("limit", in: 1...maximumPageLimit) ?? 100
        let page = try await queries.cycles(filter, limit: limit, pageToken: parameters.string("page_token"), logger: logger)
        var body: [(String, JSONValue)] = [("cycles", .array(page.rows.map(Self.json(cycle:))))]
        if let next = page.next { body.append(("next_page_token", .string(next.token))) }
        return .object(body)
      }
    }
    router.get("/api/v1/cycles.csv") { request, _ in
      await respondCSV(request)
    }
    router.get("/api/v1/yield") { request, _ in
      await respond("GET /api/v1/yield", request, scope: .read) { request throws(YieldAPIError) in
        var parameters = try QueryParameters(
          request, allowed: ["from", "to", "cell", "line", "station", "group_by", "tz"])
        let query = try parameters.kpiQuery()
        let rows = try await queries.yieldRows(query, logger: logger)
        return .object([("rows", .array(rows.map { Self.json(key: $0.0, dimensions: query.groupBy, yield: $0.1) }))])
      }
    }
    router.get("/api/v1/oee") { request, _ in
      await respond("GET /api/v1/oee", request, scope: .read) { request throws(YieldAPIError) in
        var parameters = try QueryParameters(request, allowed: ["from", "to", "cell", "line", "group_by", "tz"])
        let query = try parameters.kpiQuery()
        let rows = try await queries.oeeRows(query, logger: logger)
        return .object([("rows", .array(rows.map { Self.json(key: $0.0, dimensions: query.groupBy, oee: $0.1) }))])
      }
    }
    router.get("/api/v1/failures/pareto") { request, _ in
      await respond("GET /api/v1/failures/pareto", request, scope: .read) { request throws(YieldAPIError) in
        let parameters = try QueryParameters(request, allowed: ["from", "to", "cell", "line", "station"])
        let query = ParetoQuery(
          window: try QueryWindow(from: try parameters.time("from"), to: try parameters.time("to")),
          cell: parameters.string("cell"), line: parameters.string("line"), station: parameters.string("station"))
        let rows = try await queries.pareto(query, logger: logger)
        return .object([
          (
            "failures",
            .array(
              rows.map {
                .object([
                  ("failure_code", .string($0.failureCode.rawValue)), ("count", .int($0.count)),
                  ("share", .double($0.share)), ("cumulative_share", .double($0.cumulativeShare)),
                ])
              })
          )
        ])
      }
    }
    router.get("/openapi.yaml") { request, _ in
      if protectOpenAPI, let refusal = refusal(request, scope: .read) { return refusal }
      return Response(
        status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
    }
  }

  // MARK: - Responding

  /// Runs `body` for an authorized request and writes its JSON, or the error body.
  private func respond(
    _ endpoint: String, _ request: Request, scope: TokenScope,
    _ body: (Request) async throws(YieldAPIError) -> JSONValue
  ) async -> Response {
    let started = ContinuousClock.now
    defer { queries.metrics.queryDuration(endpoint: endpoint).recordNanoseconds(Self.nanoseconds(since: started)) }
    if let refusal = refusal(request, scope: scope) { return refusal }
    do {
      return Self.response(.ok, try await body(request))
    } catch {
      if error.httpStatus.code >= 500 {
        logger.error("request failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error.message)"])
      }
      return Self.response(error.httpStatus, error.json)
    }
  }

  /// The 401/403 response for a request without the scope, or nil when it may proceed.
  func refusal(_ request: Request, scope: TokenScope) -> Response? {
    switch authority.authorize(authorization: request.headers[.authorization], scope: scope) {
    case .allowed: return nil
    case .unauthenticated:
      var response = Self.response(.unauthorized, YieldAPIError.unauthenticated.json)
      response.headers[.wwwAuthenticate] = #"Bearer realm="workcell-yield""#
      return response
    case .forbidden:
      return Self.response(.forbidden, YieldAPIError.forbidden(scope.rawValue).json)
    }
  }

  /// GET /cycles.csv: every matching cycle, written page by page as the store returns them.
  private func respondCSV(_ request: Request) async -> Response {
    let endpoint = "GET /api/v1/cycles.csv"
    let started = ContinuousClock.now
    if let refusal = refusal(request, scope: .read) { return refusal }
    let filter: CycleFilter
    do {
      var parameters = try QueryParameters(request, allowed: QueryParameters.cycleFilterNames)
      filter = try parameters.cycleFilter()
      // Fail before the 200 is sent if the database is not there.
      _ = try await queries.cycles(filter, limit: 1, pageToken: nil, logger: logger)
    } catch {
      return Self.response(error.httpStatus, error.json)
    }
    let queries = self.queries
    let logger = self.logger
    return Response(
      status: .ok,
      headers: [
        .contentType: "text/csv; charset=utf-8",
        .contentDisposition: #"attachment; filename="cycles.csv""#,
      ],
      body: ResponseBody { (writer: inout any ResponseBodyWriter) async throws in
        defer { queries.metrics.queryDuration(endpoint: endpoint).recordNanoseconds(Self.nanoseconds(since: started)) }
        try await writer.write(ByteBuffer(string: CycleCSV.header))
        var token: String?
        repeat {
          let page: CyclePage
          do {
            page = try await queries.cycles(filter, limit: 5_000, pageToken: token, logger: logger)
          } catch {
            // The 200 is already sent: end the body early; the client sees a short file without the last line break.
            let message = (error as? YieldAPIError)?.message ?? "\(error)"
            logger.error("CSV export stopped", metadata: ["error": "\(message)"])
            try await writer.write(ByteBuffer(string: "# export stopped: \(message)"))
            break
          }
          var chunk = ""
          chunk.reserveCapacity(page.rows.count * 200)
          for row in page.rows { CycleCSV.append(row, to: &chunk) }
          try await writer.write(ByteBuffer(string: chunk))
          token = page.next?.token
        } while token != nil
        try await writer.finish(nil)
      })
  }

  /// The `records` array of a POST body (`{"cycles": [...]}` or `{"events": [...]}`).
  private func records(of request: Request, key: String) async throws(YieldAPIError) -> [AnyJSON] {
    var request = request
    let buffer: ByteBuffer
    do {
      buffer = try await request.collectBody(upTo: Self.maximumBodyBytes)
    } catch {
      throw YieldAPIError(
        code: "body_too_large", httpStatus: .contentTooLarge, rpcCode: .invalidArgument,
        message: "The body is over \(Self.maximumBodyBytes / 1024 / 1024) MiB or could not be read; send at most \(IngestLimits.recordsPerBatch) records.")
    }
    let document: AnyJSON
    do {
      document = try JSONDecoder().decode(AnyJSON.self, from: Data(buffer.readableBytesView))
    } catch {
      throw .invalidJSON("The body is not valid JSON: send {\"\(key)\": [...]}.")
    }
    guard case .object(let object) = document, case .array(let records)? = object[key] else {
      throw .invalidJSON("The body must be a JSON object with an array '\(key)': {\"\(key)\": [...]}.")
    }
    if let extra = object.keys.first(where: { $0 != key }) {
      throw .invalidJSON("Unknown top-level field '\(extra)'; the body is {\"\(key)\": [...]}.")
    }
    guard records.count <= IngestLimits.recordsPerBatch else {
      throw .batchTooLarge(records.count, limit: IngestLimits.recordsPerBatch)
    }
    return records
  }

  static func response(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json; charset=utf-8"],
      body: .init(byteBuffer: ByteBuffer(string: body.serialized)))
  }

  static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
    let elapsed = ContinuousClock.now - start
    return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
  }

  // MARK: - JSON of records and rows

  static func json(cycle row: CycleRow) -> JSONValue {
    .object([
      ("cycle_id", .string(row.cycleID)), ("plant", .string(row.plant)), ("line", .string(row.line)),
      ("cell", .string(row.cell)), ("robot", .string(row.robot)), ("station", .string(row.station)),
      ("part_serial", .optional(row.partSerial)), ("started_at", .time(row.startedAt)),
      ("ended_at", .time(row.endedAt)), ("cycle_ms", .int(row.cycleMs)), ("outcome", .string(row.outcome)),
      ("attempts", .int(row.attempts)), ("failure_code", .string(row.failureCode ?? "")),
      ("torque_nm", .optional(row.torqueNm)), ("angle_deg", .optional(row.angleDeg)),
      ("model_version", .string(row.modelVersion)), ("ideal_cycle_ms", .int(row.idealCycleMs)),
    ])
  }

  static func json(cell: CellRow) -> JSONValue {
    .object([
      ("plant", .string(cell.plant)), ("line", .string(cell.line)), ("cell", .string(cell.cell)),
      ("robots", .array(cell.robots.map { .string($0) })), ("stations", .array(cell.stations.map { .string($0) })),
      ("last_cycle_at", .time(cell.lastCycleAt)),
    ])
  }

  /// The key fields of a row: only the dimensions grouped by, in the API's order.
  static func keyFields(_ key: BucketKey, dimensions: [GroupDimension]) -> [(String, JSONValue)] {
    let grouped = Set(dimensions)
    var fields: [(String, JSONValue)] = []
    if !grouped.isDisjoint(with: [.hour, .day, .shift]) { fields.append(("bucket_start", .time(key.bucketStart))) }
    if grouped.contains(.shift) { fields.append(("shift", .optional(key.shiftName))) }
    if grouped.contains(.line) { fields.append(("line", .optional(key.line))) }
    if grouped.contains(.cell) { fields.append(("cell", .optional(key.cell))) }
    if grouped.contains(.robot) { fields.append(("robot", .optional(key.robot))) }
    if grouped.contains(.station) { fields.append(("station", .optional(key.station))) }
    if grouped.contains(.modelVersion) { fields.append(("model_version", .optional(key.modelVersion))) }
    return fields
  }

  static func json(key: BucketKey, dimensions: [GroupDimension], yield row: YieldSummary) -> JSONValue {
    .object(
      keyFields(key, dimensions: dimensions) + [
        ("cycles", .int(row.cycles)), ("ok", .int(row.ok)), ("nok", .int(row.nok)), ("aborted", .int(row.aborted)),
        ("yield", .optional(row.yield)), ("first_pass_yield", .optional(row.firstPassYield)),
        ("takt_compliance", .optional(row.taktCompliance)), ("cycle_ms_p50", .optional(row.cycleMsP50)),
        ("cycle_ms_p95", .optional(row.cycleMsP95)), ("cycle_ms_max", .optional(row.cycleMsMax)),
      ])
  }

  static func json(key: BucketKey, dimensions: [GroupDimension], oee row: OeeFigures) -> JSONValue {
    .object(
      keyFields(key, dimensions: dimensions) + [
        ("availability", .optional(row.availability)), ("performance", .optional(row.performance)),
        ("quality", .optional(row.quality)), ("oee", .optional(row.oee)), ("planned_time_s", .double(row.plannedTimeS)),
        ("run_time_s", .double(row.runTimeS)), ("downtime_s", .double(row.downtimeS)),
        ("ideal_cycle_ms", .optional(row.idealCycleMs)), ("total_count", .int(row.totalCount)),
        ("good_count", .int(row.goodCount)),
      ])
  }
}

/// Cycles as CSV (RFC 4180): the API's Cycle fields in order, times in RFC 3339 UTC.
enum CycleCSV {
  static let columns = [
    "cycle_id", "plant", "line", "cell", "robot", "station", "part_serial", "started_at", "ended_at", "cycle_ms",
    "outcome", "attempts", "failure_code", "torque_nm", "angle_deg", "model_version", "ideal_cycle_ms",
  ]
  static let header = columns.joined(separator: ",") + "\r\n"

  static func append(_ row: CycleRow, to out: inout String) {
    let fields: [String] = [
      row.cycleID, row.plant, row.line, row.cell, row.robot, row.station, row.partSerial ?? "",
      RFC3339.format(row.startedAt), RFC3339.format(row.endedAt), String(row.cycleMs), row.outcome,
      String(row.attempts), row.failureCode ?? "", row.torqueNm.map { "\($0)" } ?? "",
      row.angleDeg.map { "\($0)" } ?? "", row.modelVersion, String(row.idealCycleMs),
    ]
    for (index, field) in fields.enumerated() {
      if index > 0 { out += "," }
      out += escape(field)
    }
    out += "\r\n"
  }

  static func escape(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
