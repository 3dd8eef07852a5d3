/// The failure Pareto: failed cycles counted by failure code, largest first.
public enum Pareto {
  /// Counts the failures among `cycles`: every cycle that is not ok and carries a failure code
  /// (aborted ones included, e.g. `estop`). Sorted by count descending, then code ascending; no row
  /// for a code that did not occur; empty when nothing failed.
  ///
  /// `cumulativeShare` is the running count over the total (not a running sum of rounded shares), so
  /// the last row is exactly 1.0.
  public static func of<Cycles: Sequence<CycleFact>>(_ cycles: Cycles) -> [ParetoRow] {
    var counts: [FailureCode: Int] = [:]
    for cycle in cycles where cycle.outcome != .ok {
      if let code = cycle.failureCode { counts[code, default: 0] += 1 }
    }
    return of(counts: counts)
  }

  /// The Pareto of failure counts already made (e.g. by the database's GROUP BY): same order and
  /// shares as ``of(_:)``; codes with a count of 0 get no row.
  public static func of(counts: [FailureCode: Int]) -> [ParetoRow] {
    let counts = counts.filter { $0.value > 0 }
    let total = counts.values.reduce(0, +)
    guard total > 0 else { return [] }
    let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    var running = 0
    return sorted.map { code, count in
      running += count
      return ParetoRow(
        failureCode: code, count: count, share: Double(count) / Double(total),
        cumulativeShare: Double(running) / Double(total))
    }
  }
}
