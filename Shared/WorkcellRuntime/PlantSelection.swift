import PlantConfig

/// The plant file a process was started with, and the cell of it the process serves.
public struct PlantSelection: Sendable, Hashable {
  /// The whole plant configuration.
  public var plant: PlantConfiguration
  /// The cell this process serves: the one named by `--cell`, or the only cell of the plant.
  /// Nil for plant-wide services started without `--cell` in a plant of several cells.
  public var cell: PlantConfiguration.Cell?

  public init(plant: PlantConfiguration, cell: PlantConfiguration.Cell?) {
    self.plant = plant
    self.cell = cell
  }

  /// Reads `path` (refusing a file with errors, each named with its line) and picks `cellID`.
  public static func load(path: String, cellID: String?) throws -> PlantSelection {
    let plant = try PlantConfiguration.load(contentsOf: path)
    guard let cellID else {
      return PlantSelection(plant: plant, cell: plant.cells.count == 1 ? plant.cells[0] : nil)
    }
    guard let cell = plant.cell(cellID) else {
      throw WorkcellError(
        .invalidArgument,
        "--cell \(cellID): plant file \(path) has no such cell; its cells are "
          + plant.cells.map(\.id).joined(separator: ", ") + ".")
    }
    return PlantSelection(plant: plant, cell: cell)
  }
}

extension RuntimeConfig {
  /// The plant file named by `--plant-config`, read and checked; nil when none is given. A
  /// `--cell` without a plant file is refused: there is nothing to pick it from.
  public func loadPlant() throws -> PlantSelection? {
    guard let plantConfigPath else {
      if let cellID {
        throw WorkcellError(.invalidArgument, "--cell \(cellID) needs --plant-config FILE to pick the cell from.")
      }
      return nil
    }
    return try PlantSelection.load(path: plantConfigPath, cellID: cellID)
  }
}

extension PlantSelection {
  /// The ports the plant file gives `service` of the selected cell, if it gives any.
  public func ports(of service: String) -> ServicePorts? {
    cell?.ports(of: service).map { ServicePorts(grpc: $0.grpcPort, http: $0.httpPort) }
  }
}
