/// One row of GET /yield: counts, yield ratios and cycle-time percentiles of a group of cycles.
public struct YieldSummary: Hashable, Sendable {
  /// All cycles, aborted included.
  public var cycles: Int
  /// Cycles with outcome ok.
  public var ok: Int
  /// Cycles with outcome nok.
  public var nok: Int
  /// Cycles with outcome aborted.
  public var aborted: Int
  /// ok / (ok + nok); nil when ok + nok = 0.
  public var yield: Double?
  /// (ok with attempts = 1) / (ok + nok); nil when ok + nok = 0.
  public var firstPassYield: Double?
  /// Share of ok cycles with `cycleMs <= idealCycleMs`; nil without an ok cycle.
  public var taktCompliance: Double?
  /// Nearest-rank median of `cycleMs` over non-aborted cycles; nil when there are none.
  public var cycleMsP50: Int?
  /// Nearest-rank 95th percentile of `cycleMs` over non-aborted cycles; nil when there are none.
  public var cycleMsP95: Int?
  /// Longest non-aborted `cycleMs`; nil when there are none.
  public var cycleMsMax: Int?

  /// Computes the summary of `cycles` (any order; the caller has already filtered and bucketed them).
  public init<Cycles: Sequence<CycleFact>>(of cycles: Cycles) {
    var tally = CycleTally(
      timeGroup: 0, cycles: 0, ok: 0, nok: 0, aborted: 0, okFirstPass: 0, okWithinTakt: 0)
    var finishedCycleMs: [Int] = []
    for cycle in cycles {
      tally.count(cycle)
      if cycle.outcome != .aborted { finishedCycleMs.append(cycle.cycleMs) }
    }
    tally.setCycleTimes(finished: finishedCycleMs)
    self.init(tally: tally)
  }

  /// The summary of counted cycles: the ratios are computed here, from the counts.
  public init(
    cycles: Int, ok: Int, nok: Int, aborted: Int, okFirstPass: Int, okWithinTakt: Int, cycleMsP50: Int?,
    cycleMsP95: Int?, cycleMsMax: Int?
  ) {
    let judged = ok + nok
    self.cycles = cycles
    self.ok = ok
    self.nok = nok
    self.aborted = aborted
    self.yield = judged == 0 ? nil : Double(ok) / Double(judged)
    self.firstPassYield = judged == 0 ? nil : Double(okFirstPass) / Double(judged)
    self.taktCompliance = ok == 0 ? nil : Double(okWithinTakt) / Double(ok)
    self.cycleMsP50 = cycleMsP50
    self.cycleMsP95 = cycleMsP95
    self.cycleMsMax = cycleMsMax
  }
}
