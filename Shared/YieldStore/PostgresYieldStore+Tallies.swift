import Foundation
import Logging
import PostgresNIO
import YieldKPI

extension PostgresYieldStore {
  /// Counts in PostgreSQL: each cycle's time group is one binary search over the slicing's
  /// boundaries (`width_bucket`), the groups are counted there (hash aggregation), and one row per
  /// group comes back. The whole hours of the window that no time bucket cuts are read from the
  /// `cycle_hours` rollup, the rest from the cycles. For percentiles a second query brings the
  /// groups' cycle times (the rollup keeps each row's as an array) and
  /// ``CycleTally/setCycleTimes(finished:)`` picks them here: one definition for both stores.
  public func cycleTallies(_ filter: CycleFilter, _ grouping: CycleTally.Grouping, logger: Logger)
    async throws(YieldStoreError) -> [CycleTally]
  {
    func grouped(_ column: CycleTally.Column, _ name: String, as type: String) -> String {
      grouping.columns.contains(column) ? name : "NULL::\(type)"
    }
    let keys = [
      grouped(.cell, "cell", as: "text"), grouped(.robot, "robot", as: "text"), grouped(.station, "station", as: "text"),
      grouped(.line, "line", as: "text"), grouped(.modelVersion, "model_version", as: "text"),
      grouped(.idealCycleMs, "ideal_cycle_ms", as: "int8"),
    ]
    let keyList = keys.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")
    var binds = PostgresBindings()
    guard let source = Self.countedSource(filter, slicing: grouping.slicing, binds: &binds) else { return [] }
    let counting = PostgresQuery(
      unsafeSQL: "SELECT g, \(keyList), sum(n)::int8, (sum(n) FILTER (WHERE outcome = 'ok'))::int8,"
        + " (sum(n) FILTER (WHERE outcome = 'nok'))::int8, (sum(n) FILTER (WHERE outcome = 'aborted'))::int8,"
        + " (sum(first_pass) FILTER (WHERE outcome = 'ok'))::int8, (sum(within_takt) FILTER (WHERE outcome = 'ok'))::int8"
        + " FROM (\(source)) s WHERE g >= 0 GROUP BY g, " + (0..<keys.count).map { "k\($0)" }.joined(separator: ", "),
      binds: binds)
    typealias Key = (Int, String?, String?, String?, String?, String?, Int?)
    func tally(_ key: Key) -> CycleTally {
      CycleTally(
        timeGroup: key.0, cell: key.1, robot: key.2, station: key.3, line: key.4, modelVersion: key.5,
        idealCycleMs: key.6, cycles: 0, ok: 0, nok: 0, aborted: 0, okFirstPass: 0, okWithinTakt: 0)
    }
    var tallies = try await run("count cycles for KPIs") {
      var tallies: [CycleTally: CycleTally] = [:]
      for try await row in try await client.query(counting, logger: logger).decode(
        (Int, String?, String?, String?, String?, String?, Int?, Int, Int?, Int?, Int?, Int?, Int?).self)
      {
        let key = tally((row.0, row.1, row.2, row.3, row.4, row.5, row.6))
        var counted = key
        counted.cycles = row.7
        counted.ok = row.8 ?? 0
        counted.nok = row.9 ?? 0
        counted.aborted = row.10 ?? 0
        counted.okFirstPass = row.11 ?? 0
        counted.okWithinTakt = row.12 ?? 0
        tallies[key] = counted
      }
      return tallies
    }
    guard grouping.cycleTimePercentiles else { return Array(tallies.values) }

    var timeBinds = PostgresBindings()
    guard let times = Self.countedSource(filter, slicing: grouping.slicing, cycleTimes: true, binds: &timeBinds)
    else { return [] }
    let timing = PostgresQuery(
      unsafeSQL: "SELECT g, \(keyList), cycle_times FROM (\(times)) s WHERE g >= 0 AND outcome <> 'aborted'",
      binds: timeBinds)
    let cycleTimes = try await run("read cycle times for KPIs") {
      var cycleTimes: [CycleTally: [Int]] = [:]
      for try await row in try await client.query(timing, logger: logger).decode(
        (Int, String?, String?, String?, String?, String?, Int?, [Int]).self)
      {
        cycleTimes[tally((row.0, row.1, row.2, row.3, row.4, row.5, row.6)), default: []] += row.7
      }
      return cycleTimes
    }
    for (key, values) in cycleTimes { tallies[key]?.setCycleTimes(finished: values) }
    return Array(tallies.values)
  }

  public func failureCounts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError)
    -> [FailureCode: Int]
  {
    var binds = PostgresBindings()
    let everything = TimeSlicing(boundaries: [], groupOfGap: [0], keys: [BucketKey()])
    guard let source = Self.countedSource(filter, slicing: everything, binds: &binds) else { return [:] }
    let sql =
      "SELECT failure_code, sum(n)::int8 FROM (\(source)) s"
      + " WHERE outcome <> 'ok' AND failure_code IS NOT NULL GROUP BY failure_code"
    let query = PostgresQuery(unsafeSQL: sql, binds: binds)
    return try await run("count failures") {
      var counts: [FailureCode: Int] = [:]
      for try await (code, count) in try await client.query(query, logger: logger).decode((String, Int).self) {
        counts[FailureCode(rawValue: code) ?? .other, default: 0] += count
      }
      return counts
    }
  }

  /// A subquery of the cycles matching `filter` as counted rows — columns `g` (the time group, −1
  /// for none), cell, robot, station, line, model_version, ideal_cycle_ms, outcome, failure_code
  /// (NULL for none), `n` (the cycles the row stands for), of those `first_pass` (attempts = 1)
  /// and `within_takt` (cycle_ms ≤ ideal_cycle_ms), and `cycle_times` (their cycle_ms, when asked
  /// for; else NULL). With a window, its whole UTC hours that no slicing boundary cuts come from
  /// `cycle_hours`, the rest from `cycles`. Nil when no cycle can match.
  static func countedSource(
    _ filter: CycleFilter, slicing: TimeSlicing, cycleTimes: Bool = false, binds: inout PostgresBindings
  ) -> String? {
    // The time group of a row by one of its instants.
    let group: (String) -> String
    if slicing.boundaries.isEmpty {
      guard let only = slicing.groupOfGap[0] else { return nil }
      group = { _ in "\(only)::int8" }
    } else {
      binds.append(slicing.boundaries.map(\.roundedUpToMilliseconds))
      let boundariesBind = binds.count
      binds.append(slicing.groupOfGap.map { $0 ?? -1 })
      let groupsBind = binds.count
      group = { "($\(groupsBind)::int8[])[width_bucket(\($0), $\(boundariesBind)::timestamptz(3)[]) + 1]" }
    }
    func cycles(where clauses: [String]) -> String {
      "SELECT \(group("ended_at")) AS g, cell, robot, station, line, model_version, ideal_cycle_ms, outcome,"
        + " failure_code, 1::int8 AS n, (attempts = 1)::int4::int8 AS first_pass,"
        + " (cycle_ms <= ideal_cycle_ms)::int4::int8 AS within_takt, \(cycleTimes ? "ARRAY[cycle_ms]" : "NULL::int8[]") AS cycle_times"
        + " FROM cycles" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
    }
    guard let from = filter.from?.millisecondsSince1970, let to = filter.to?.millisecondsSince1970 else {
      return cycles(where: Self.conditions(filter, binds: &binds))
    }
    guard from < to else { return nil }
    var untimed = filter
    untimed.from = nil
    untimed.to = nil
    let conditions = Self.conditions(untimed, binds: &binds)
    let plan = RollupPlan(
      fromMs: from, toMs: to, boundariesMs: slicing.boundaries.map(\.roundedUpToMilliseconds.millisecondsSince1970))
    var parts: [String] = []
    if let hours = plan.rollupHours {
      var clauses = conditions
      binds.append(Date(millisecondsSince1970: hours.startMs))
      clauses.append("hour >= $\(binds.count)::timestamptz(3)")
      binds.append(Date(millisecondsSince1970: hours.endMs))
      clauses.append("hour < $\(binds.count)::timestamptz(3)")
      if !plan.cutHoursMs.isEmpty {
        binds.append(plan.cutHoursMs.map { Date(millisecondsSince1970: $0) })
        clauses.append("hour <> ALL($\(binds.count)::timestamptz(3)[])")
      }
      parts.append(
        "SELECT \(group("hour")) AS g, cell, robot, station, line, model_version, ideal_cycle_ms, outcome,"
          + " NULLIF(failure_code, '') AS failure_code, cycles AS n, first_pass, within_takt,"
          + " \(cycleTimes ? "cycle_times" : "NULL::int8[] AS cycle_times")"
          + " FROM cycle_hours WHERE " + clauses.joined(separator: " AND "))
    }
    if !plan.rawRangesMs.isEmpty {
      let ranges = plan.rawRangesMs.map { range in
        binds.append(Date(millisecondsSince1970: range.0))
        binds.append(Date(millisecondsSince1970: range.1))
        return "(ended_at >= $\(binds.count - 1)::timestamptz(3) AND ended_at < $\(binds.count)::timestamptz(3))"
      }
      parts.append(cycles(where: conditions + ["(" + ranges.joined(separator: " OR ") + ")"]))
    }
    return parts.joined(separator: " UNION ALL ")
  }
}

/// Which part of a [from, to) window (milliseconds) a count reads from the `cycle_hours` rollup
/// and which from the cycles: the whole UTC hours inside the window that no time-group boundary
/// cuts come from the rollup (each hour is then in one time group), everything else — the
/// window's ragged ends and the cut hours — from the cycles.
struct RollupPlan {
  /// The rollup's hours [startMs, endMs), minus ``cutHoursMs``; nil for none.
  var rollupHours: (startMs: Int64, endMs: Int64)?
  /// Hours inside the rollup's range read from the cycles, because a boundary cuts them.
  var cutHoursMs: [Int64]
  /// Ranges [from, to) read from the cycles, ascending, adjacent ones merged.
  var rawRangesMs: [(Int64, Int64)]

  init(fromMs: Int64, toMs: Int64, boundariesMs: [Int64]) {
    let hour = CycleHour.millisecondsPerHour
    let firstHour = CycleHour.hourStart(ofMilliseconds: fromMs) + (fromMs % hour == 0 ? 0 : hour)
    let endHour = CycleHour.hourStart(ofMilliseconds: toMs)
    guard firstHour < endHour else {
      rollupHours = nil
      cutHoursMs = []
      rawRangesMs = [(fromMs, toMs)]
      return
    }
    rollupHours = (firstHour, endHour)
    cutHoursMs = Set(
      boundariesMs.filter { $0 > firstHour && $0 < endHour && $0 % hour != 0 }.map {
        CycleHour.hourStart(ofMilliseconds: $0)
      }
    ).sorted()
    var ranges: [(Int64, Int64)] = []
    let candidates = [(fromMs, firstHour)] + cutHoursMs.map { ($0, $0 + hour) } + [(endHour, toMs)]
    for range in candidates where range.0 < range.1 {
      if let last = ranges.last, last.1 == range.0 {
        ranges[ranges.count - 1].1 = range.1
      } else {
        ranges.append(range)
      }
    }
    rawRangesMs = ranges
  }
}
