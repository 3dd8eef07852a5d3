import Foundation
import Logging
import YieldKPI
import YieldStore

/// A validated [from, to) window of a query (docs/yield-api.md: from < to, at most 400 days).
struct QueryWindow: Sendable, Hashable {
  static let maximumDays = 400
  var interval: DateInterval

  init(from: Date?, to: Date?) throws(YieldAPIError) {
    guard let from else { throw .invalidParameter("'from' is required (RFC 3339, inclusive).") }
    guard let to else { throw .invalidParameter("'to' is required (RFC 3339, exclusive).") }
    try Self.check(from: from, to: to)
    interval = DateInterval(start: from, end: to)
  }

  /// Checks an optional range (GET /cycles): when both ends are given they must be ordered.
  static func check(from: Date, to: Date) throws(YieldAPIError) {
    guard from < to else { throw .invalidRange("'from' must be before 'to'.") }
    guard to.timeIntervalSince(from) <= Double(maximumDays) * 86_400 else {
      throw .invalidRange("The range spans more than \(maximumDays) days; query in parts.")
    }
  }
}

/// GET /yield and GET /oee parameters, validated.
struct KPIQuery: Sendable {
  var window: QueryWindow
  var cell: String?
  var line: String?
  var station: String?
  var groupBy: [GroupDimension]
  var timeZone: TimeZone
}

/// GET /failures/pareto parameters, validated.
struct ParetoQuery: Sendable {
  var window: QueryWindow
  var cell: String?
  var line: String?
  var station: String?
}

/// The MES's questions answered from a store with the YieldKPI definitions, one implementation
/// for REST and gRPC and for both backends.
struct YieldQueries: Sendable {
  let store: any YieldStore
  let calendar: ShiftCalendar?
  let metrics: YieldMetrics

  func yieldRows(_ query: KPIQuery, logger: Logger) async throws(YieldAPIError) -> [(BucketKey, YieldSummary)] {
    let slicing = Bucketing.timeSlicing(
      in: query.window.interval, by: query.groupBy, calendar: calendar, timeZone: query.timeZone)
    let tallies = try await tallies(
      CycleFilter(
        cell: query.cell, line: query.line, station: query.station, from: query.window.interval.start,
        to: query.window.interval.end),
      CycleTally.Grouping(slicing: slicing, columns: CycleTally.columns(for: query.groupBy), cycleTimePercentiles: true),
      logger: logger)
    if query.groupBy.isEmpty {
      return [(BucketKey(), tallies.first.map(YieldSummary.init(tally:)) ?? YieldSummary(of: [CycleFact]()))]
    }
    return tallies.map { ($0.key(in: slicing), YieldSummary(tally: $0)) }.sorted { $0.0 < $1.0 }
  }

  func oeeRows(_ query: KPIQuery, logger: Logger) async throws(YieldAPIError) -> [(BucketKey, OeeFigures)] {
    if query.groupBy.contains(.modelVersion) {
      throw .invalidParameter("OEE is per equipment: group_by=model_version applies to /yield only.")
    }
    let window = query.window.interval
    let cells: [CellRow]
    do {
      cells = try await store.cells(logger: logger).filter {
        (query.cell == nil || $0.cell == query.cell) && (query.line == nil || $0.line == query.line)
          && (query.station == nil || $0.stations.contains(query.station!))
      }
    } catch {
      throw YieldAPIError(error)
    }
    let dimensions = Set(query.groupBy)
    let timeBuckets = Bucketing.timeBuckets(in: window, by: query.groupBy, calendar: calendar, timeZone: query.timeZone)
    // The cycles counted per time bucket, cell, takt, and robot and/or station when grouped by them.
    var columns: Set<CycleTally.Column> = [.cell, .idealCycleMs]
    if dimensions.contains(.robot) { columns.insert(.robot) }
    if dimensions.contains(.station) { columns.insert(.station) }
    let tallies = try await tallies(
      CycleFilter(cell: query.cell, line: query.line, station: query.station, from: window.start, to: window.end),
      CycleTally.Grouping(slicing: TimeSlicing(buckets: timeBuckets), columns: columns, cycleTimePercentiles: false),
      logger: logger)
    let states: [StateInterval]
    do {
      states = try await store.stateIntervals(cells: cells.map(\.cell), overlapping: window, logger: logger)
    } catch {
      throw YieldAPIError(error)
    }
    struct Unit: Hashable {
      var bucket: Int
      var cell: String?
      var robot: String?
      var station: String?
    }
    let talliesByUnit = Dictionary(grouping: tallies) {
      Unit(bucket: $0.timeGroup, cell: $0.cell, robot: $0.robot, station: $0.station)
    }
    let statesByCell = Dictionary(grouping: states, by: \.cell)
    let calculator = OeeCalculator(calendar: calendar)
    var parts: [BucketKey: [OeeFigures]] = [:]
    for cell in cells {
      let cellStates = statesByCell[cell.cell] ?? []
      // The units a row is about: the cell, or each of its robots and/or stations when grouped by them.
      let robots: [String?] = dimensions.contains(.robot) ? cell.robots : [nil]
      let stations: [String?] = dimensions.contains(.station) ? (query.station.map { [$0] } ?? cell.stations) : [nil]
      for robot in robots {
        for station in stations {
          let unitStates = robot == nil ? cellStates : cellStates.filter { $0.robot == nil || $0.robot == robot }
          for (index, bucket) in timeBuckets.enumerated() {
            let figures = calculator.figures(
              cell: cell.cell, window: bucket.interval,
              tallies: talliesByUnit[Unit(bucket: index, cell: cell.cell, robot: robot, station: station)] ?? [],
              states: unitStates)
            var key = bucket.key
            if dimensions.contains(.cell) { key.cell = cell.cell }
            if dimensions.contains(.line) { key.line = cell.line }
            if dimensions.contains(.robot) { key.robot = robot }
            if dimensions.contains(.station) { key.station = station }
            parts[key, default: []].append(figures)
          }
        }
      }
    }
    if parts.isEmpty && query.groupBy.isEmpty {
      // Nothing reported in scope: one row with the planned time nobody used.
      return [(BucketKey(), calculator.figures(cell: "", window: window, cycles: [CycleFact](), states: [StateInterval]()))]
    }
    return parts.keys.sorted().map { ($0, OeeFigures.combined(parts[$0]!)) }
  }

  func pareto(_ query: ParetoQuery, logger: Logger) async throws(YieldAPIError) -> [ParetoRow] {
    do {
      return Pareto.of(
        counts: try await store.failureCounts(
          CycleFilter(
            cell: query.cell, line: query.line, station: query.station, from: query.window.interval.start,
            to: query.window.interval.end), logger: logger))
    } catch {
      throw YieldAPIError(error)
    }
  }

  func cycles(_ filter: CycleFilter, limit: Int, pageToken: String?, logger: Logger) async throws(YieldAPIError)
    -> CyclePage
  {
    do {
      let cursor = try pageToken.map { token throws(YieldStoreError) in try CyclePageCursor(token: token) }
      return try await store.cycles(filter, limit: limit, after: cursor, logger: logger)
    } catch {
      throw YieldAPIError(error)
    }
  }

  func cells(logger: Logger) async throws(YieldAPIError) -> [CellRow] {
    do {
      return try await store.cells(logger: logger)
    } catch {
      throw YieldAPIError(error)
    }
  }

  private func tallies(_ filter: CycleFilter, _ grouping: CycleTally.Grouping, logger: Logger)
    async throws(YieldAPIError) -> [CycleTally]
  {
    do {
      return try await store.cycleTallies(filter, grouping, logger: logger)
    } catch {
      throw YieldAPIError(error)
    }
  }
}
