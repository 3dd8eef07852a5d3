import Foundation
import GRPCCore
import GRPCProtobuf
import Logging
import SwiftProtobuf
import WorkcellProto
import YieldKPI
import YieldStore

/// `workcell.yield.v1.Yield`: the same records, rules and answers as the REST API.
struct YieldRPC: Workcell_Yield_V1_Yield.SimpleServiceProtocol {
  let queries: YieldQueries
  let ingest: YieldIngest
  let logger: Logger

  func reportCycles(
    request: RPCAsyncSequence<Workcell_Yield_V1_ReportCyclesRequest, any Error>, context: ServerContext
  ) async throws -> Workcell_Yield_V1_ReportCyclesResponse {
    try await reportCycles(messages: request.map { $0.cycles.map(CycleDraft.init(proto:)) })
  }

  /// One ReportCycles stream, its messages already drafts (by SwiftProtobuf above, or by
  /// ``CycleDraftsDeserializer`` as ``YieldGRPCService`` registers it): one all-or-nothing batch.
  func reportCycles(messages: some AsyncSequence<[CycleDraft], any Error>) async throws
    -> Workcell_Yield_V1_ReportCyclesResponse
  {
    try await timed("ReportCycles") {
      var drafts: [CycleDraft] = []
      for try await message in messages {
        guard drafts.count + message.count <= IngestLimits.recordsPerStream else {
          throw YieldAPIError.batchTooLarge(drafts.count + message.count, limit: IngestLimits.recordsPerStream)
            .rpcError
        }
        drafts.append(contentsOf: message)
      }
      let counts = try await ingest.cycles(drafts, kind: "stream", logger: logger)
      return .with {
        $0.accepted = UInt64(counts.accepted)
        $0.duplicates = UInt64(counts.duplicates)
      }
    }
  }

  func reportCycleBatch(
    request: Workcell_Yield_V1_ReportCycleBatchRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_ReportCycleBatchResponse {
    try await reportCycleBatch(drafts: request.cycles.map(CycleDraft.init(proto:)))
  }

  /// One ReportCycleBatch, its records already drafts.
  func reportCycleBatch(drafts: [CycleDraft]) async throws -> Workcell_Yield_V1_ReportCycleBatchResponse {
    try await timed("ReportCycleBatch") {
      guard drafts.count <= IngestLimits.recordsPerBatch else {
        throw YieldAPIError.batchTooLarge(drafts.count, limit: IngestLimits.recordsPerBatch)
      }
      let counts = try await ingest.cycles(drafts, kind: "grpc", logger: logger)
      return .with {
        $0.accepted = UInt64(counts.accepted)
        $0.duplicates = UInt64(counts.duplicates)
      }
    }
  }

  func reportStateEvents(
    request: Workcell_Yield_V1_ReportStateEventsRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_ReportStateEventsResponse {
    try await timed("ReportStateEvents") {
      guard request.events.count <= IngestLimits.recordsPerBatch else {
        throw YieldAPIError.batchTooLarge(request.events.count, limit: IngestLimits.recordsPerBatch)
      }
      let counts = try await ingest.stateEvents(request.events.map(StateEventDraft.init(proto:)), logger: logger)
      return .with {
        $0.accepted = UInt64(counts.accepted)
        $0.duplicates = UInt64(counts.duplicates)
      }
    }
  }

  func queryYield(
    request: Workcell_Yield_V1_QueryYieldRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_QueryYieldResponse {
    try await timed("QueryYield") {
      let query = try Self.kpiQuery(
        from: request.hasFrom ? request.from : nil, to: request.hasTo ? request.to : nil, cell: request.cell,
        line: request.line, station: request.station, groupBy: request.groupBy, tz: request.tz)
      let rows = try await queries.yieldRows(query, logger: logger)
      return .with {
        $0.rows = rows.map { key, summary in
          var row = Workcell_Yield_V1_YieldRow()
          Self.setKey(key, on: &row)
          row.modelVersion = key.modelVersion ?? ""
          row.cycles = UInt64(summary.cycles)
          row.ok = UInt64(summary.ok)
          row.nok = UInt64(summary.nok)
          row.aborted = UInt64(summary.aborted)
          if let value = summary.yield { row.yield = value }
          if let value = summary.firstPassYield { row.firstPassYield = value }
          if let value = summary.taktCompliance { row.taktCompliance = value }
          if let value = summary.cycleMsP50 { row.cycleMsP50 = UInt32(clamping: value) }
          if let value = summary.cycleMsP95 { row.cycleMsP95 = UInt32(clamping: value) }
          if let value = summary.cycleMsMax { row.cycleMsMax = UInt32(clamping: value) }
          return row
        }
      }
    }
  }

  func queryOee(
    request: Workcell_Yield_V1_QueryOeeRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_QueryOeeResponse {
    try await timed("QueryOee") {
      let query = try Self.kpiQuery(
        from: request.hasFrom ? request.from : nil, to: request.hasTo ? request.to : nil, cell: request.cell,
        line: request.line, station: "", groupBy: request.groupBy, tz: request.tz)
      let rows = try await queries.oeeRows(query, logger: logger)
      return .with {
        $0.rows = rows.map { key, figures in
          var row = Workcell_Yield_V1_OeeRow()
          Self.setKey(key, on: &row)
          if let value = figures.availability { row.availability = value }
          if let value = figures.performance { row.performance = value }
          if let value = figures.quality { row.quality = value }
          if let value = figures.oee { row.oee = value }
          row.plannedTimeS = figures.plannedTimeS
          row.runTimeS = figures.runTimeS
          row.downtimeS = figures.downtimeS
          if let value = figures.idealCycleMs { row.idealCycleMs = UInt32(clamping: value) }
          row.totalCount = UInt64(figures.totalCount)
          row.goodCount = UInt64(figures.goodCount)
          return row
        }
      }
    }
  }

  func queryPareto(
    request: Workcell_Yield_V1_QueryParetoRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_QueryParetoResponse {
    try await timed("QueryPareto") {
      let window = try QueryWindow(
        from: request.hasFrom ? request.from.date : nil, to: request.hasTo ? request.to.date : nil)
      let rows = try await queries.pareto(
        ParetoQuery(
          window: window, cell: request.cell.nilIfEmpty, line: request.line.nilIfEmpty,
          station: request.station.nilIfEmpty), logger: logger)
      return .with {
        $0.failures = rows.map { row in
          .with {
            $0.failureCode = Workcell_Common_V1_FailureCode(row.failureCode)
            $0.count = UInt64(row.count)
            $0.share = row.share
            $0.cumulativeShare = row.cumulativeShare
          }
        }
      }
    }
  }

  func listCycles(
    request: Workcell_Yield_V1_ListCyclesRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_ListCyclesResponse {
    try await timed("ListCycles") {
      let from = request.hasFrom ? request.from.date : nil
      let to = request.hasTo ? request.to.date : nil
      if let from, let to { try QueryWindow.check(from: from, to: to) }
      guard request.limit <= UInt32(maximumPageLimit) else {
        throw YieldAPIError.invalidParameter("limit must be at most \(maximumPageLimit); got \(request.limit).")
      }
      if case .UNRECOGNIZED(let value) = request.outcome {
        throw YieldAPIError.invalidParameter("outcome \(value) is not a known CycleOutcome.")
      }
      if case .UNRECOGNIZED(let value) = request.failureCode {
        throw YieldAPIError.invalidParameter("failure_code \(value) is not a known FailureCode.")
      }
      let filter = CycleFilter(
        cell: request.cell.nilIfEmpty, robot: request.robot.nilIfEmpty, station: request.station.nilIfEmpty,
        outcome: request.outcome.apiName, failureCode: request.failureCode.apiName, from: from, to: to)
      let page = try await queries.cycles(
        filter, limit: request.limit == 0 ? 100 : Int(request.limit), pageToken: request.pageToken.nilIfEmpty,
        logger: logger)
      return .with {
        $0.cycles = page.rows.map(Workcell_Common_V1_CycleRecord.init)
        $0.nextPageToken = page.next?.token ?? ""
      }
    }
  }

  func listCells(
    request: Workcell_Yield_V1_ListCellsRequest, context: ServerContext
  ) async throws -> Workcell_Yield_V1_ListCellsResponse {
    try await timed("ListCells") {
      let cells = try await queries.cells(logger: logger)
      return .with {
        $0.cells = cells.map { cell in
          .with {
            $0.plant = cell.plant
            $0.line = cell.line
            $0.cell = cell.cell
            $0.robots = cell.robots
            $0.stations = cell.stations
            if let last = cell.lastCycleAt { $0.lastCycleAt = Google_Protobuf_Timestamp(date: last) }
          }
        }
      }
    }
  }

  // MARK: - Helpers

  /// Runs a handler, timing it per method and turning API errors into gRPC statuses.
  private func timed<T>(_ method: String, _ body: () async throws -> T) async throws -> T {
    let started = ContinuousClock.now
    defer { queries.metrics.queryDuration(endpoint: "rpc \(method)").recordNanoseconds(YieldREST.nanoseconds(since: started)) }
    do {
      return try await body()
    } catch let error as YieldAPIError {
      if error.rpcCode == .unavailable || error.rpcCode == .internalError {
        logger.error("RPC failed", metadata: ["method": "\(method)", "error": "\(error.message)"])
      }
      throw error.rpcError
    }
  }

  static func kpiQuery(
    from: Google_Protobuf_Timestamp?, to: Google_Protobuf_Timestamp?, cell: String, line: String, station: String,
    groupBy: [Workcell_Yield_V1_GroupBy], tz: String
  ) throws(YieldAPIError) -> KPIQuery {
    var dimensions: [GroupDimension] = []
    for value in groupBy {
      guard let dimension = value.dimension else {
        throw .invalidParameter("group_by holds \(value), which is not a dimension (hour, shift, day, cell, robot, station, line, model_version).")
      }
      if !dimensions.contains(dimension) { dimensions.append(dimension) }
    }
    return KPIQuery(
      window: try QueryWindow(from: from?.date, to: to?.date), cell: cell.nilIfEmpty, line: line.nilIfEmpty,
      station: station.nilIfEmpty, groupBy: dimensions, timeZone: try QueryParameters.timeZone(tz.nilIfEmpty))
  }

  static func setKey(_ key: BucketKey, on row: inout some KeyedRow) {
    if let start = key.bucketStart { row.bucketStart = Google_Protobuf_Timestamp(date: start) }
    row.shift = key.shiftName ?? ""
    row.line = key.line ?? ""
    row.cell = key.cell ?? ""
    row.robot = key.robot ?? ""
    row.station = key.station ?? ""
  }
}

/// A KPI row's key fields, which YieldRow and OeeRow share.
protocol KeyedRow {
  var bucketStart: Google_Protobuf_Timestamp { get set }
  var shift: String { get set }
  var line: String { get set }
  var cell: String { get set }
  var robot: String { get set }
  var station: String { get set }
}

extension Workcell_Yield_V1_YieldRow: KeyedRow {}
extension Workcell_Yield_V1_OeeRow: KeyedRow {}

/// ``YieldRPC`` as the server registers it: the generated registration, then ReportCycles and
/// ReportCycleBatch registered again (the router keeps the last handler of a method) with
/// ``CycleDraftsDeserializer``, which reads the records from the wire straight into drafts.
struct YieldGRPCService: RegistrableRPCService {
  let rpc: YieldRPC

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    rpc.registerMethods(with: &router)
    let rpc = rpc
    router.registerHandler(
      forMethod: Workcell_Yield_V1_Yield.Method.ReportCycles.descriptor,
      deserializer: CycleDraftsDeserializer(request: Workcell_Yield_V1_ReportCyclesRequest.self),
      serializer: ProtobufSerializer<Workcell_Yield_V1_ReportCyclesResponse>()
    ) { request, _ in
      let response = try await rpc.reportCycles(messages: request.messages)
      return StreamingServerResponse(single: ServerResponse(message: response, metadata: [:]))
    }
    router.registerHandler(
      forMethod: Workcell_Yield_V1_Yield.Method.ReportCycleBatch.descriptor,
      deserializer: CycleDraftsDeserializer(request: Workcell_Yield_V1_ReportCycleBatchRequest.self),
      serializer: ProtobufSerializer<Workcell_Yield_V1_ReportCycleBatchResponse>()
    ) { request, _ in
      let single = try await ServerRequest(stream: request)
      let response = try await rpc.reportCycleBatch(drafts: single.message)
      return StreamingServerResponse(single: ServerResponse(message: response, metadata: [:]))
    }
  }
}
