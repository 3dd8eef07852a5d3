import Foundation

/// One (plant, line, cell, robot, station) seen in cycles, with its latest `ended_at`: a row of
/// the small `cell_stations` table that keeps `cells()` from scanning years of cycles.
struct CellStation: Sendable, Hashable, Comparable {
  var plant: String
  var line: String
  var cell: String
  var robot: String
  var station: String

  static func < (a: CellStation, b: CellStation) -> Bool {
    (a.plant, a.line, a.cell, a.robot, a.station) < (b.plant, b.line, b.cell, b.robot, b.station)
  }

  /// The stations of newly stored cycles with their latest `ended_at`, sorted so that concurrent
  /// batches lock `cell_stations` rows in the same order (no deadlock).
  static func latest(of cycles: [CycleRow]) -> [(CellStation, Date)] {
    // Keyed by cell alone (one string to hash per cycle, not five); a cell has a few stations.
    var byCell: [String: [(CellStation, Date)]] = [:]
    for cycle in cycles {
      byCell[cycle.cell, default: []].noteLatest(cycle)
    }
    return byCell.values.joined().sorted { $0.0 < $1.0 }
  }

  /// Groups `cell_stations` rows into one summary per (plant, line, cell).
  static func summaries(_ rows: [(CellStation, Date)]) -> [CellRow] {
    var byCell: [[String]: CellRow] = [:]
    for (key, last) in rows {
      let id = [key.plant, key.line, key.cell]
      var summary =
        byCell[id]
        ?? CellRow(plant: key.plant, line: key.line, cell: key.cell, robots: [], stations: [], lastCycleAt: nil)
      if !summary.robots.contains(key.robot) { summary.robots.append(key.robot) }
      if !summary.stations.contains(key.station) { summary.stations.append(key.station) }
      summary.lastCycleAt = max(summary.lastCycleAt ?? last, last)
      byCell[id] = summary
    }
    return byCell.values
      .map { row in
        var row = row
        row.robots.sort()
        row.stations.sort()
        return row
      }
      .sorted { ($0.plant, $0.line, $0.cell) < ($1.plant, $1.line, $1.cell) }
  }
}

extension [(CellStation, Date)] {
  /// Raises the latest `ended_at` of `cycle`'s station in this list of one cell's stations.
  fileprivate mutating func noteLatest(_ cycle: CycleRow) {
    if let index = firstIndex(where: {
      $0.0.robot == cycle.robot && $0.0.station == cycle.station && $0.0.line == cycle.line
        && $0.0.plant == cycle.plant
    }) {
      if self[index].1 < cycle.endedAt { self[index].1 = cycle.endedAt }
    } else {
      append(
        (
          CellStation(
            plant: cycle.plant, line: cycle.line, cell: cycle.cell, robot: cycle.robot, station: cycle.station),
          cycle.endedAt
        ))
    }
  }
}
