import Foundation
import PlantConfig
import Testing
import WorkcellRuntime

/// `--plant-config` / `--cell` (and their WORKCELL_* variables): the plant file loaded at start.
@Suite("Runtime: the plant file option")
struct PlantSelectionTests {
  let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy/plant.example.yaml").path

  @Test("no plant file: nothing loaded; --cell alone is refused")
  func noPlantFile() throws {
    #expect(try RuntimeOptions.parse([]).resolve(environment: [:]).loadPlant() == nil)
    #expect(throws: WorkcellError.self) { try RuntimeOptions.parse(["--cell", "cell-01"]).resolve(environment: [:]).loadPlant() }
  }

  @Test("the environment names the file and the cell; the flag wins over it")
  func fromEnvironmentAndFlags() throws {
    let environment = ["WORKCELL_PLANT_CONFIG": example, "WORKCELL_CELL": "cell-01"]
    let fromEnvironment = try #require(try RuntimeOptions.parse([]).resolve(environment: environment).loadPlant())
    #expect(fromEnvironment.plant.cells.count == 2 && fromEnvironment.cell?.id == "cell-01")
    #expect(fromEnvironment.ports(of: "plc-bridge") == ServicePorts(grpc: 51014, http: 10114))
    #expect(fromEnvironment.ports(of: "perception") == nil)
    let fromFlag = try RuntimeOptions.parse(["--cell", "cell-02"]).resolve(environment: environment).loadPlant()
    #expect(fromFlag?.cell?.id == "cell-02")
  }

  @Test("a cell the file does not have is refused, naming the cells it has")
  func unknownCell() throws {
    let options = try RuntimeOptions.parse(["--plant-config", example, "--cell", "cell-99"])
    #expect {
      try options.resolve(environment: [:]).loadPlant()
    } throws: { error in
      "\(error)".contains("cell-99") && "\(error)".contains("cell-01, cell-02")
    }
  }

  @Test("plant ports sit between the environment and the port plan")
  func plantPorts() throws {
    let planned = ServicePorts(grpc: 51014, http: 10114)
    #expect(try ServicePortOptions.parse([]).resolve(service: "plc-bridge", environment: [:], planned: planned) == planned)
    let fromEnvironment = try ServicePortOptions.parse([]).resolve(
      service: "plc-bridge", environment: ["WORKCELL_GRPC_PORT": "20001"], planned: planned)
    #expect(fromEnvironment == ServicePorts(grpc: 20001, http: 10114))
    #expect(try ServicePortOptions.parse([]).resolve(service: "plc-bridge", environment: [:]).grpc == 50064)
  }

  @Test("a bad plant file is refused with each error's file and line")
  func badFile() throws {
    let bad = example.replacingOccurrences(of: "deploy/plant.example.yaml", with: "Tests/Deploy/plant.bad.yaml")
    #expect {
      try RuntimeOptions.parse(["--plant-config", bad]).resolve(environment: [:]).loadPlant()
    } throws: { error in
      "\(error)".contains("\(bad):31: error:") && "\(error)".contains("\(bad):46: error:")
    }
  }
}
