import YieldStore

/// What one committed batch stored for one cell, as the ingest metrics count it.
struct CellIngestTally: Sendable {
  /// Rows per (outcome, failure code; "" for none): a handful per cell, so a list, not a dictionary.
  var byOutcome: [(outcome: String, failureCode: String, count: Int)] = []
  /// ok cycles that needed one attempt.
  var firstPass = 0
  /// ok cycles with cycle_ms ≤ ideal_cycle_ms.
  var taktMet = 0
  /// cycle_ms of the non-aborted cycles.
  var cycleMs: [Int] = []

  mutating func add(_ row: CycleRow) {
    let failureCode = row.failureCode ?? ""
    if let index = byOutcome.firstIndex(where: { $0.outcome == row.outcome && $0.failureCode == failureCode }) {
      byOutcome[index].count += 1
    } else {
      byOutcome.append((row.outcome, failureCode, 1))
    }
    if row.outcome == "ok" {
      if row.attempts == 1 { firstPass += 1 }
      if row.cycleMs <= row.idealCycleMs { taktMet += 1 }
    }
    if row.outcome != "aborted" { cycleMs.append(row.cycleMs) }
  }
}
