import PlantConfig
import Testing
import WorkcellProto

@testable import PlcBridgeService

/// plc-bridge takes its PLCs from the plant file's cell when no flags or environment name them.
@Suite("plc-bridge: PLC endpoints from the plant file")
struct PlcBridgePlantFileTests {
  let cell = PlantConfiguration.Cell(
    id: "cell-07", lineID: "l", station: 70, taktMs: 76_000, idealCycleMs: 70_000,
    robots: [
      .init(
        id: "r-right", side: .right, feeder: .init(host: "10.1.7.72", port: 502, unitID: 11),
        fixture: .init(host: "10.1.7.72", port: 502, unitID: 12)),
      .init(
        id: "r-left", side: .left, feeder: .init(host: "10.1.7.71", port: 5020, unitID: 1),
        fixture: .init(host: "10.1.7.71", port: 5021, unitID: 2)),
    ])

  @Test("without flags the sides are the plant cell's robots, with their hosts, ports and unit ids")
  func sidesFromPlantCell() throws {
    let sides = try PlcBridgeOptions.parse([]).resolve(environment: [:], plantCell: cell).sides
    #expect(sides.map { "\($0.feeder) \($0.fixture)" } == [
      "right=10.1.7.72:502/11 right=10.1.7.72:502/12", "left=10.1.7.71:5020/1 left=10.1.7.71:5021/2",
    ])
  }

  @Test("flags and the environment win over the plant file")
  func flagsAndEnvironmentWin() throws {
    let fromFlags = try PlcBridgeOptions.parse(["--feeder", "left=127.0.0.1:5020/1", "--fixture", "left=127.0.0.1:5020/2"])
      .resolve(environment: [:], plantCell: cell).sides
    #expect(fromFlags.map(\.feeder.description) == ["left=127.0.0.1:5020/1"])
    let fromEnvironment = try PlcBridgeOptions.parse([]).resolve(
      environment: ["WORKCELL_PLC_FEEDERS": "right=127.0.0.1:6000", "WORKCELL_PLC_FIXTURES": "right=127.0.0.1:6001"],
      plantCell: cell
    ).sides
    #expect(fromEnvironment.map(\.fixture.description) == ["right=127.0.0.1:6001/2"])
  }

  @Test("no flags, no environment, no plant cell: no sides (every side answers INVALID_ARGUMENT)")
  func nothingConfigured() throws {
    #expect(try PlcBridgeOptions.parse([]).resolve(environment: [:], plantCell: nil).sides.isEmpty)
  }
}
