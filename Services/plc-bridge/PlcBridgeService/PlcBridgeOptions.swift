import ArgumentParser
import PlantConfig
import PlcHandshakes
import WorkcellRuntime

/// plc-bridge's own flags: where each side's feeder and fixture are, and the poll timing.
public struct PlcBridgeOptions: ParsableArguments, Sendable {
  @Option(
    name: .customLong("feeder"),
    help: ArgumentHelp(
      "A side's feeder PLC as SIDE=HOST:PORT[/UNIT] (unit default 1); repeat for each side.",
      discussion: "Env: WORKCELL_PLC_FEEDERS (comma-separated)."))
  var feeders: [String] = []

  @Option(
    name: .customLong("fixture"),
    help: ArgumentHelp(
      "A side's fixture PLC as SIDE=HOST:PORT[/UNIT] (unit default 2); repeat for each side.",
      discussion: "Env: WORKCELL_PLC_FIXTURES (comma-separated)."))
  var fixtures: [String] = []

  @Option(
    help: ArgumentHelp("How often each PLC's inputs are read, ms.", discussion: "Env: WORKCELL_PLC_POLL_MS. Default: 10."))
  var pollMs: Int?

  @Option(
    help: ArgumentHelp(
      "How often HEARTBEAT is toggled, ms (the map requires < 250).", discussion: "Env: WORKCELL_PLC_HEARTBEAT_MS. Default: 100."))
  var heartbeatMs: Int?

  @Option(
    help: ArgumentHelp(
      "Deadline of one Modbus request, ms.", discussion: "Env: WORKCELL_PLC_REQUEST_TIMEOUT_MS. Default: 250."))
  var requestTimeoutMs: Int?

  public init() {}

  /// The configured sides: each needs both a feeder and a fixture. Flags win, then the
  /// environment; with neither, the sides come from the plant file's cell (`plantCell`).
  func resolve(
    environment: [String: String], plantCell: PlantConfiguration.Cell? = nil
  ) throws -> (sides: [(feeder: PlcEndpoint, fixture: PlcEndpoint)], timing: PlcDeviceLink.Timing) {
    let env = EnvironmentDefaults(environment)
    var feederTexts = feeders.isEmpty ? Self.list(environment["WORKCELL_PLC_FEEDERS"]) : feeders
    var fixtureTexts = fixtures.isEmpty ? Self.list(environment["WORKCELL_PLC_FIXTURES"]) : fixtures
    if feederTexts.isEmpty, fixtureTexts.isEmpty, let plantCell {
      feederTexts = plantCell.robots.map { "\($0.side.rawValue)=\($0.feeder)" }
      fixtureTexts = plantCell.robots.map { "\($0.side.rawValue)=\($0.fixture)" }
    }
    let feederEndpoints = try feederTexts.map { try PlcEndpoint.parse($0, defaultUnit: FeederIOMap.defaultUnitID) }
    let fixtureEndpoints = try fixtureTexts.map { try PlcEndpoint.parse($0, defaultUnit: FixtureIOMap.defaultUnitID) }
    var sides: [(feeder: PlcEndpoint, fixture: PlcEndpoint)] = []
    for feeder in feederEndpoints {
      guard let fixture = fixtureEndpoints.first(where: { $0.side == feeder.side }) else {
        throw ValidationError("The \(PlcEndpoint.name(of: feeder.side)) side has a feeder but no --fixture.")
      }
      guard !sides.contains(where: { $0.feeder.side == feeder.side }) else {
        throw ValidationError("The \(PlcEndpoint.name(of: feeder.side)) side is given twice.")
      }
      sides.append((feeder, fixture))
    }
    for fixture in fixtureEndpoints where !feederEndpoints.contains(where: { $0.side == fixture.side }) {
      throw ValidationError("The \(PlcEndpoint.name(of: fixture.side)) side has a fixture but no --feeder.")
    }
    let poll = try env.value(pollMs, "WORKCELL_PLC_POLL_MS", default: 10)
    let heartbeat = try env.value(heartbeatMs, "WORKCELL_PLC_HEARTBEAT_MS", default: 100)
    let timeout = try env.value(requestTimeoutMs, "WORKCELL_PLC_REQUEST_TIMEOUT_MS", default: 250)
    guard (1...1000).contains(poll) else { throw ValidationError("--poll-ms must be 1–1000, got \(poll).") }
    guard (10..<250).contains(heartbeat) else {
      throw ValidationError("--heartbeat-ms must be 10–249 (docs/plc-io-map.md: a toggle at least every 250 ms), got \(heartbeat).")
    }
    guard (10...10000).contains(timeout) else { throw ValidationError("--request-timeout-ms must be 10–10000, got \(timeout).") }
    return (sides, .init(pollPeriod: .milliseconds(poll), heartbeatPeriod: .milliseconds(heartbeat), requestTimeout: .milliseconds(timeout)))
  }

  private static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}
