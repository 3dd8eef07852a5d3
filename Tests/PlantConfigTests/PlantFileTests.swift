import Foundation
import PlantConfig
import Testing
import YieldKPI

/// The repository root, found from this file's path (tests read deploy/ and Tests/Deploy/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

func repositoryFile(_ path: String) throws -> String {
  try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
}

@Suite("Plant file: reading the example and the mistakes")
struct PlantFileTests {
  @Test("the example plant file reads without issues and says what it says")
  func exampleReads() throws {
    let check = PlantConfiguration.check(yaml: try repositoryFile("deploy/plant.example.yaml"))
    #expect(check.issues == [])
    let plant = try #require(check.configuration)
    #expect(plant.plant.id == "augsburg")
    #expect(plant.cells.map(\.id) == ["cell-01", "cell-02"])
    let cell = try #require(plant.cell("cell-02"))
    #expect(cell.station == 20 && cell.taktMs == 76_000 && cell.idealCycleMs == 70_000)
    #expect(cell.robots.map(\.side) == [.left, .right])
    #expect(cell.robots[1].fixture == PlantConfiguration.PlcDevice(host: "10.1.7.32", port: 502, unitID: 2, sourceLine: 75))
    #expect(cell.ports(of: "plc-bridge")?.grpcPort == 51024)
    #expect(plant.yieldEndpoint(for: cell)?.grpcAddress == "yield:50066")
  }

  @Test("the bad plant file: every mistake found on its line")
  func badFileFindsEachMistake() throws {
    let check = PlantConfiguration.check(yaml: try repositoryFile("Tests/Deploy/plant.bad.yaml"))
    let found = check.issues.map { "\($0.line) \($0.code.rawValue)" }
    #expect(
      found == [
        "16 overlapping_shifts", "31 unknown_plc_unit_id", "35 duplicate_cell_id", "35 missing_yield_endpoint",
        "46 port_clash",
      ])
    #expect(check.issues.allSatisfy { $0.severity == .error })
    #expect(check.issues[0].message.contains("'late'") && check.issues[0].message.contains("'early'"))
    #expect(check.issues[4].message.contains("51014") && check.issues[4].message.contains("line 33"))
    #expect(throws: PlantConfigError.self) { try PlantConfiguration.load(yaml: try repositoryFile("Tests/Deploy/plant.bad.yaml"), file: "bad.yaml") }
  }

  @Test(
    "structural mistakes are named with their line",
    arguments: [
      ("plant: {id: p}\ncells:\n  - id: c\n    lin: x\n", "4 unknown_key"),
      ("plant: {id: p}\ncells: [1, 2\n", "3 syntax"),
      ("plant: {id: p}\ncells:\n  - id: c\n    station: ten\n", "4 invalid_value"),
      ("plant: {id: p}\nplant: {id: q}\ncells: []\n", "2 duplicate_id"),
    ])
  func structuralMistakes(yaml: String, expected: String) {
    let found = PlantConfiguration.check(yaml: yaml).issues.map { "\($0.line) \($0.code.rawValue)" }
    #expect(found.contains(expected), "\(found)")
  }

  @Test("a PLC address and unit used twice clashes; a feeder and fixture sharing a PLC with own units do not")
  func plcAddressClash() throws {
    var plant = try #require(PlantConfiguration.check(yaml: try repositoryFile("deploy/plant.example.yaml")).configuration)
    #expect(plant.consistencyIssues().isEmpty)
    plant.cells[1].robots[0].feeder = plant.cells[0].robots[0].feeder
    #expect(plant.consistencyIssues().map(\.code) == [.portClash])
  }

  @Test("unit ids 0 and 248 are unknown; 1 and 247 are fine")
  func unitIDBounds() throws {
    var plant = try #require(PlantConfiguration.check(yaml: try repositoryFile("deploy/plant.example.yaml")).configuration)
    for (unit, ok) in [(0, false), (1, true), (247, true), (248, false)] {
      plant.cells[0].robots[0].feeder.unitID = unit
      #expect(plant.consistencyIssues().isEmpty == ok, "unit \(unit)")
    }
  }

  @Test("ideal cycle longer than takt is refused")
  func taktCheck() throws {
    var plant = try #require(PlantConfiguration.check(yaml: try repositoryFile("deploy/plant.example.yaml")).configuration)
    plant.cells[0].idealCycleMs = 80_000
    #expect(plant.consistencyIssues().map(\.code) == [.invalidTakt])
  }
}

@Suite("Plant file: shift calendar")
struct PlantShiftCalendarTests {
  @Test("the example's calendar becomes the KPI library's, in its zone, with its breaks")
  func exampleCalendar() throws {
    let plant = try PlantConfiguration.load(yaml: try repositoryFile("deploy/plant.example.yaml"), file: "example")
    let calendar = try plant.shiftCalendar()
    #expect(calendar.timeZone.identifier == "Europe/Berlin")
    #expect(calendar.shifts.map(\.name) == ["early", "late", "night"])
    #expect(calendar.shifts[2].start == TimeOfDay(hour: 22) && calendar.shifts[2].end == TimeOfDay(hour: 6))
    #expect(calendar.shifts[0].breaks == [
      PlannedBreak(start: TimeOfDay(hour: 9), end: TimeOfDay(hour: 9, minute: 15)),
      PlannedBreak(start: TimeOfDay(hour: 11, minute: 30), end: TimeOfDay(hour: 12)),
    ])
    // 2026-11-25 07:00 UTC is 08:00 in Berlin: the early shift.
    let date = try #require(ISO8601DateFormatter().date(from: "2026-11-25T07:00:00Z"))
    #expect(calendar.shift(containing: date)?.name == "early")
  }

  @Test(
    "calendar mistakes are found on the line of the shift",
    arguments: [
      // night 22:00–06:30 overlaps early: reported on the later shift in the file.
      ("      end: \"06:30\"", 7, PlantConfigIssue.Code.overlappingShifts),
      ("      end: \"25:00\"", 4, .invalidValue),
    ])
  func calendarMistakes(replacement: String, line: Int, code: PlantConfigIssue.Code) {
    let yaml = """
      shift_calendar:
        time_zone: Europe/Berlin
        shifts:
          - name: night
            start: "22:00"
      \(replacement)
          - name: early
            start: "06:00"
            end: "14:00"
      """
    let issues = PlantConfiguration.check(yaml: "plant: {id: p}\ncells: []\n" + yaml).issues
      .filter { ![.missingKey, .security].contains($0.code) }
    #expect(issues.map { "\($0.line - 2) \($0.code)" } == ["\(line) \(code)"], "\(issues)")
  }

  @Test("a file without a calendar says so when the calendar is asked for")
  func noCalendar() throws {
    var plant = try PlantConfiguration.load(yaml: try repositoryFile("deploy/plant.example.yaml"), file: "example")
    plant.shiftCalendarSection = nil
    #expect(throws: PlantConfigError.self) { try plant.shiftCalendar() }
  }
}
