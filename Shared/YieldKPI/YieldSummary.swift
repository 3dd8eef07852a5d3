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
    var all = 0
    var ok = 0
    var nok = 0
    var aborted = 0
    var okFirstPass = 0
    var okWithinTakt = 0
    var finishedCycleMs: [Int] = []
    for cycle in cycles {
      all += 1
      switch cycle.outcome {
      case .ok:
        ok += 1
        if cycle.attempts == 1 { okFirstPass += 1 }
        if cycle.cycleMs <= cycle.idealCycleMs { okWithinTakt += 1 }
        finishedCycleMs.append(cycle.cycleMs)
      case .nok:
        nok += 1
        finishedCycleMs.append(cycle.cycleMs)
      case .aborted:
        aborted += 1
      }
    }
    finishedCycleMs.sort()
    self.init(
      cycles: all, ok: ok, nok: nok, aborted: aborted, okFirstPass: okFirstPass, okWithinTakt: okWithinTakt,
      cycleMsP50: NearestRank.percentile(0.5, of: finishedCycleMs),
      cycleMsP95: NearestRank.percentile(0.95, of: finishedCycleMs), cycleMsMax: finishedCycleMs.last)
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
