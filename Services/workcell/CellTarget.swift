import ArgumentParser
import Foundation
import PlantConfig
import WorkcellRuntime

/// Where the cell is: the plant file's cell, or an address.
struct CellTarget: ParsableArguments {
  @Option(help: "The cell's id (as in the plant file and in cycle records).")
  var cell: String?

  @Option(name: .customLong("plant-config"), help: "The plant file (default: WORKCELL_PLANT_CONFIG).")
  var plantConfig: String?

  @Option(help: "The cell service's gRPC address HOST:PORT, instead of the plant file's.")
  var address: String?

  @Option(help: "Host of the plant file's cell service (default: 127.0.0.1 when the plant file publishes its ports, else the compose service name <cell>-cell).")
  var host: String?

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @Option(help: "Seconds to wait for the cell's answer.")
  var timeoutS: Double = 5

  @Option(help: "The plant's certificates (workcell certs init) when the cell serves mutual TLS (default: WORKCELL_TLS_DIR).")
  var tlsDir: String?

  @Option(help: "Who this command is on a mutual-TLS cell (default: WORKCELL_TLS_IDENTITY, else operator).")
  var tlsIdentity: String?

  func validate() throws {
    guard timeoutS > 0, timeoutS <= 300 else { throw ValidationError("--timeout-s must be in (0, 300], got \(timeoutS).") }
    if let address { _ = try HostPort.parse(address, flag: "--address") }
    guard address != nil || cell != nil else {
      throw ValidationError("Name the cell: --cell ID (with --plant-config or WORKCELL_PLANT_CONFIG), or --address HOST:PORT.")
    }
  }

  /// The cell's address, and the yield it reports to when the plant file says. Turns mutual TLS
  /// on for this command when a certificate directory is given.
  func resolve() throws -> CellAddress {
    try FleetTLS.enableForCommand(
      directory: tlsDir, identity: tlsIdentity, environment: ProcessInfo.processInfo.environment)
    if let address {
      return CellAddress(id: cell ?? "", address: try HostPort.parse(address, flag: "--address"), yield: nil)
    }
    let id = cell ?? ""
    guard let path = plantConfig ?? ProcessInfo.processInfo.environment["WORKCELL_PLANT_CONFIG"] else {
      throw ValidationError("--cell \(id) needs the plant file: --plant-config FILE (or WORKCELL_PLANT_CONFIG), or give --address HOST:PORT.")
    }
    let plant: PlantConfiguration
    do {
      plant = try PlantConfiguration.load(contentsOf: path)
    } catch {
      throw ValidationError("The plant file \(path) cannot be used: \(error). Check it with `workcell config check \(path)`.")
    }
    guard let entry = plant.cell(id) else {
      throw ValidationError("The plant file \(path) has no cell '\(id)'; its cells: \(plant.cells.map(\.id).joined(separator: ", ")).")
    }
    let published = entry.ports(of: "cell")
    let port = published?.grpcPort ?? (FleetPortPlan.grpcBase + (FleetPortPlan.offset(of: "cell") ?? 0))
    let cellHost = host ?? (published != nil ? "127.0.0.1" : CellComposePart.serviceName(cell: id, service: "cell"))
    let yield = plant.yieldEndpoint(for: entry).flatMap { try? HostPort.parse($0.grpcAddress, flag: "yield.grpc") }
    return CellAddress(id: id, address: HostPort(host: cellHost, port: port), yield: yield)
  }
}

/// A cell the command talks to.
struct CellAddress: Sendable {
  /// Its id as the operator named it ("" with --address alone).
  var id: String
  var address: HostPort
  /// The yield service it reports to, when known from the plant file.
  var yield: HostPort?

  var name: String { id.isEmpty ? "the cell at \(address)" : "cell '\(id)' at \(address)" }
}
