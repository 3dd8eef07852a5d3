import CellService
import CellSimService
import JointBus
import ControlService
import Logging
import PerceptionService
import PlcBridgeService
import PolicyService
import SimulatedTime
import WorkcellRuntime
import YieldService

/// Every fleet service `workcell` can run in-process, in the fleet's port-plan order.
enum FleetCatalog {
  /// A fleet service, type-erased so a list of them can be chosen from at run time.
  struct Entry: Sendable {
    let name: String
    let build:
      @Sendable (
        _ host: String, _ ports: ServicePorts, _ environment: [String: String], _ plant: PlantSelection?,
        _ clock: any WorkcellClock, _ jointBusHub: JointBusHub?, _ inProcess: InProcessFleet?, _ logger: Logger
      ) async throws -> FleetMember
  }

  static let entries: [Entry] = [
    entry(PerceptionService.self), entry(PolicyService.self), entry(ControlService.self),
    entry(PlcBridgeService.self), entry(CellService.self), entry(YieldService.self),
    entry(CellSimService.self),
  ]

  static func entry<S: FleetService>(_ service: S.Type) -> Entry {
    Entry(name: S.name) { host, ports, environment, plant, clock, jointBusHub, inProcess, logger in
      // In one process the services take their own flags' defaults and WORKCELL_* values.
      let options = try S.Options.parse([])
      return try await FleetMember.build(
        S.self, options: options, host: host, ports: ports, environment: environment, plant: plant, clock: clock,
        jointBusHub: jointBusHub, inProcess: inProcess, logger: logger)
    }
  }

  /// The entries named by `--target`: `all`, or a comma-separated list of service names.
  static func select(_ target: String) throws -> [Entry] {
    let names = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    if names == ["all"] { return entries }
    var chosen: [Entry] = []
    for name in names {
      guard let entry = entries.first(where: { $0.name == name }) else {
        throw WorkcellError(
          .invalidArgument,
          "Unknown service '\(name)' in --target. Choose 'all' or any of: "
            + entries.map(\.name).joined(separator: ", ") + ".")
      }
      if !chosen.contains(where: { $0.name == name }) { chosen.append(entry) }
    }
    guard !chosen.isEmpty else {
      throw WorkcellError(.invalidArgument, "--target names no service; use 'all' or a list.")
    }
    return chosen
  }
}
