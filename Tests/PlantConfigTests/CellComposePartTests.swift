import PlantConfig
import Testing

@Suite("workcell compose: the per-cell compose part")
struct CellComposePartTests {
  let part = CellComposePart(
    defaultPorts: Dictionary(
      uniqueKeysWithValues: CellComposePart.services.enumerated().map { ($1, (grpc: 50_000 + $0, http: 9_000 + $0)) }))

  @Test("every cell gets every per-cell service, the cell waiting for the others to be healthy")
  func servicesPerCell() throws {
    let plant = try PlantConfiguration.load(yaml: try repositoryFile("deploy/plant.example.yaml"), file: "plant.yaml")
    let text = part.composeFile(for: plant, source: "plant.yaml")
    for cell in ["cell-01", "cell-02"] {
      for service in CellComposePart.services { #expect(text.contains("\n  \(cell)-\(service):\n")) }
      #expect(text.contains("WORKCELL_CELL: \"\(cell)\""))
    }
    #expect(text.components(separatedBy: "condition: service_healthy").count - 1 == 2 * 4)
    #expect(text.components(separatedBy: "profiles: [\"sim\"]").count - 1 == 2)
    // Ports from the plant file are listened on, checked and published; others use the defaults.
    #expect(text.contains("\"--port\", \"51024\"") && text.contains("- \"51024:51024\""))
    #expect(text.contains("WORKCELL_GRPC_PORT: \"50000\""))  // perception, default
  }

  @Test("output is deterministic and grows by one block per cell")
  func deterministic() throws {
    var plant = try PlantConfiguration.load(yaml: try repositoryFile("deploy/plant.example.yaml"), file: "plant.yaml")
    let first = part.composeFile(for: plant, source: "plant.yaml")
    #expect(first == part.composeFile(for: plant, source: "plant.yaml"))
    var added = plant.cells[1]
    added.id = "cell-03"
    added.ports = []
    plant.cells.append(added)
    let second = part.composeFile(for: plant, source: "plant.yaml")
    #expect(second.hasPrefix(first.replacingOccurrences(of: "(2 cell(s))", with: "(3 cell(s))")))
    #expect(second.contains("\n  cell-03-plc-bridge:\n"))
  }

  @Test("Prometheus targets name each service's metrics port with its cell")
  func targets() throws {
    let plant = try PlantConfiguration.load(yaml: try repositoryFile("deploy/plant.example.yaml"), file: "plant.yaml")
    let json = part.prometheusTargets(for: plant)
    #expect(json.contains(#"{"targets": ["cell-02-plc-bridge:10124"], "labels": {"plant": "augsburg", "cell": "cell-02", "service": "plc-bridge"}}"#))
    #expect(!json.contains("cell-sim"))
  }
}
