import Foundation

/// One cell as the cycles it reported describe it (`GET /api/v1/cells`).
public struct CellRow: Sendable, Hashable, Codable {
  public var plant: String
  public var line: String
  public var cell: String
  /// Robots seen in this cell's cycles, sorted.
  public var robots: [String]
  /// Stations seen in this cell's cycles, sorted.
  public var stations: [String]
  /// Latest `ended_at` of the cell's cycles.
  public var lastCycleAt: Date?

  /// Creates a cell summary.
  public init(
    plant: String, line: String, cell: String, robots: [String], stations: [String], lastCycleAt: Date?
  ) {
    self.plant = plant
    self.line = line
    self.cell = cell
    self.robots = robots
    self.stations = stations
    self.lastCycleAt = lastCycleAt
  }
}
