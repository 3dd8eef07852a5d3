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
    var latest: [CellStation: Date] = [:]
    for cycle in cycles {
      let key = CellStation(
        plant: cycle.plant, line: cycle.line, cell: cycle.cell, robot: cycle.robot, station: cycle.station)
      if let known = latest[key], known >= cycle.endedAt { continue }
      latest[key] = cycle.endedAt
    }
    return latest.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
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
