import Foundation

/// What the KPIs need of a group of cycles, counted: the form in which a database answers a KPI
/// query (docs/yield.md), so that a query over 35 000 cycles moves a few hundred numbers instead of
/// 35 000 rows. ``YieldSummary`` and ``OeeCalculator`` read it; ``CycleTally/tallies(of:_:)`` is the
/// definition every store must match.
public struct CycleTally: Hashable, Sendable {
  /// The time group (``TimeSlicing`` index) the cycles ended in.
  public var timeGroup: Int
  /// The grouped record fields; nil for those not grouped by.
  public var cell: String?
  public var robot: String?
  public var station: String?
  public var line: String?
  public var modelVersion: String?
  /// The takt the cycles were asked to meet, when grouped by it (OEE's performance).
  public var idealCycleMs: Int?
  /// All cycles, aborted included.
  public var cycles: Int
  public var ok: Int
  public var nok: Int
  public var aborted: Int
  /// Ok cycles with exactly one attempt.
  public var okFirstPass: Int
  /// Ok cycles with `cycleMs ≤ idealCycleMs`.
  public var okWithinTakt: Int
  /// Nearest-rank median, 95th percentile and maximum of `cycleMs` over the ok and nok cycles;
  /// nil when there are none or when they were not asked for.
  public var cycleMsP50: Int?
  public var cycleMsP95: Int?
  public var cycleMsMax: Int?

  /// Creates a tally.
  public init(
    timeGroup: Int, cell: String? = nil, robot: String? = nil, station: String? = nil, line: String? = nil,
    modelVersion: String? = nil, idealCycleMs: Int? = nil, cycles: Int, ok: Int, nok: Int, aborted: Int,
    okFirstPass: Int, okWithinTakt: Int, cycleMsP50: Int? = nil, cycleMsP95: Int? = nil, cycleMsMax: Int? = nil
  ) {
    self.timeGroup = timeGroup
    self.cell = cell
    self.robot = robot
    self.station = station
    self.line = line
    self.modelVersion = modelVersion
    self.idealCycleMs = idealCycleMs
    self.cycles = cycles
    self.ok = ok
    self.nok = nok
    self.aborted = aborted
    self.okFirstPass = okFirstPass
    self.okWithinTakt = okWithinTakt
    self.cycleMsP50 = cycleMsP50
    self.cycleMsP95 = cycleMsP95
    self.cycleMsMax = cycleMsMax
  }

  /// A record field (or the takt) cycles can be tallied by.
  public enum Column: String, Hashable, Sendable, CaseIterable {
    case cell, robot, station, line
    case modelVersion = "model_version"
    case idealCycleMs = "ideal_cycle_ms"
  }

  /// The record columns a /yield row grouped by `dimensions` is keyed by (the time dimensions are
  /// the slicing's).
  public static func columns(for dimensions: some Collection<GroupDimension>) -> Set<Column> {
    var columns: Set<Column> = []
    for dimension in dimensions {
      switch dimension {
      case .cell: columns.insert(.cell)
      case .robot: columns.insert(.robot)
      case .station: columns.insert(.station)
      case .line: columns.insert(.line)
      case .modelVersion: columns.insert(.modelVersion)
      case .hour, .day, .shift: break
      }
    }
    return columns
  }

  /// The KPI row key of this tally: its time group's key with the grouped record fields.
  public func key(in slicing: TimeSlicing) -> BucketKey {
    var key = slicing.keys[timeGroup]
    key.cell = cell
    key.robot = robot
    key.station = station
    key.line = line
    key.modelVersion = modelVersion
    return key
  }

  /// How to tally: by which time groups, which columns, and whether cycle-time percentiles are needed.
  public struct Grouping: Hashable, Sendable {
    public var slicing: TimeSlicing
    public var columns: Set<Column>
    public var cycleTimePercentiles: Bool

    /// Creates a grouping.
    public init(slicing: TimeSlicing, columns: Set<Column>, cycleTimePercentiles: Bool) {
      self.slicing = slicing
      self.columns = columns
      self.cycleTimePercentiles = cycleTimePercentiles
    }
  }

  /// The tallies of `facts` under `grouping`, one per non-empty group, in no particular order:
  /// the definition a store's own counting must reproduce exactly.
  public static func tallies(of facts: some Sequence<CycleFact>, _ grouping: Grouping) -> [CycleTally] {
    var groups: [CycleTally: (tally: CycleTally, finishedCycleMs: [Int])] = [:]
    let columns = grouping.columns
    for fact in facts {
      guard let timeGroup = grouping.slicing.group(of: fact.endedAt) else { continue }
      let key = CycleTally(
        timeGroup: timeGroup, cell: columns.contains(.cell) ? fact.cell : nil,
        robot: columns.contains(.robot) ? fact.robot : nil, station: columns.contains(.station) ? fact.station : nil,
        line: columns.contains(.line) ? fact.line : nil,
        modelVersion: columns.contains(.modelVersion) ? fact.modelVersion : nil,
        idealCycleMs: columns.contains(.idealCycleMs) ? fact.idealCycleMs : nil, cycles: 0, ok: 0, nok: 0, aborted: 0,
        okFirstPass: 0, okWithinTakt: 0)
      groups[key, default: (key, [])].tally.count(fact)
      if grouping.cycleTimePercentiles && fact.outcome != .aborted {
        groups[key]!.finishedCycleMs.append(fact.cycleMs)
      }
    }
    return groups.values.map { group in
      var tally = group.tally
      if grouping.cycleTimePercentiles { tally.setCycleTimes(finished: group.finishedCycleMs) }
      return tally
    }
  }

  /// Counts `cycle` in (its fields are not matched against the tally's).
  public mutating func count(_ cycle: CycleFact) {
    cycles += 1
    switch cycle.outcome {
    case .ok:
      ok += 1
      if cycle.attempts == 1 { okFirstPass += 1 }
      if cycle.cycleMs <= cycle.idealCycleMs { okWithinTakt += 1 }
    case .nok: nok += 1
    case .aborted: aborted += 1
    }
  }

  /// Sets the cycle-time figures a KPI row carries — nearest-rank p50 and p95, and the maximum —
  /// from the `cycleMs` of the tally's ok and nok cycles, in any order.
  public mutating func setCycleTimes(finished cycleMs: [Int]) {
    let sorted = cycleMs.sorted()
    cycleMsP50 = NearestRank.percentile(0.5, of: sorted)
    cycleMsP95 = NearestRank.percentile(0.95, of: sorted)
    cycleMsMax = sorted.last
  }
}

extension YieldSummary {
  /// The summary of the cycles a tally counted (percentiles as the tally carries them).
  public init(tally: CycleTally) {
    self.init(
      cycles: tally.cycles, ok: tally.ok, nok: tally.nok, aborted: tally.aborted, okFirstPass: tally.okFirstPass,
      okWithinTakt: tally.okWithinTakt, cycleMsP50: tally.cycleMsP50, cycleMsP95: tally.cycleMsP95,
      cycleMsMax: tally.cycleMsMax)
  }
}
