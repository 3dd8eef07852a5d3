import Foundation

/// The key of one row of the `cycle_hours` rollup (PostgreSQL): the cycles of one cell that ended
/// in one UTC hour with the same KPI-relevant fields, counted by ``Counts``. Maintained in the
/// transaction that stores the cycles, so the rollup always counts exactly the stored cycles; the
/// KPI queries read it for the whole hours of their window (docs/yield.md).
struct CycleHour: Sendable, Hashable, Comparable {
  var cell: String
  /// Start of the UTC hour, in milliseconds since 1970.
  var hourMs: Int64
  var line: String
  var robot: String
  var station: String
  var modelVersion: String
  var idealCycleMs: Int
  var outcome: String
  /// Empty for none (a key column cannot be NULL).
  var failureCode: String

  /// What a rollup row counts.
  struct Counts: Sendable, Hashable {
    var cycles = 0
    /// Cycles with `attempts = 1`.
    var firstPass = 0
    /// Cycles with `cycle_ms <= ideal_cycle_ms`.
    var withinTakt = 0
    /// Their `cycle_ms`, for exact percentiles.
    var cycleTimes: [Int] = []

    mutating func add(_ cycle: CycleRow) {
      cycles += 1
      if cycle.attempts == 1 { firstPass += 1 }
      if cycle.cycleMs <= cycle.idealCycleMs { withinTakt += 1 }
      cycleTimes.append(cycle.cycleMs)
    }
  }

  static let millisecondsPerHour: Int64 = 3_600_000

  /// The hour a cycle that ended at `millisecondsSince1970` counts in.
  static func hourStart(ofMilliseconds milliseconds: Int64) -> Int64 {
    milliseconds - ((milliseconds % millisecondsPerHour) + millisecondsPerHour) % millisecondsPerHour
  }

  init(_ cycle: CycleRow) {
    cell = cycle.cell
    hourMs = Self.hourStart(ofMilliseconds: cycle.endedAt.millisecondsSince1970)
    line = cycle.line
    robot = cycle.robot
    station = cycle.station
    modelVersion = cycle.modelVersion
    idealCycleMs = cycle.idealCycleMs
    outcome = cycle.outcome
    failureCode = cycle.failureCode ?? ""
  }

  /// The primary key's order, in which concurrent batches lock rows (no deadlock).
  static func < (a: CycleHour, b: CycleHour) -> Bool {
    if a.cell != b.cell { return a.cell < b.cell }
    if a.hourMs != b.hourMs { return a.hourMs < b.hourMs }
    if (a.line, a.robot, a.station, a.modelVersion) != (b.line, b.robot, b.station, b.modelVersion) {
      return (a.line, a.robot, a.station, a.modelVersion) < (b.line, b.robot, b.station, b.modelVersion)
    }
    return (a.idealCycleMs, a.outcome, a.failureCode) < (b.idealCycleMs, b.outcome, b.failureCode)
  }

  /// The rollup rows of newly stored cycles with their counts, in key order.
  static func counts(of cycles: [CycleRow]) -> [(CycleHour, Counts)] {
    var counts: [CycleHour: Counts] = [:]
    for cycle in cycles {
      counts[CycleHour(cycle), default: Counts()].add(cycle)
    }
    return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
  }
}
