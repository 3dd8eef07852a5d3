import ArgumentParser
import Foundation
import PlantConfig
import WorkcellRuntime

/// `workcell compose FILE`: the per-cell part of the plant server's compose setup, from the plant
/// file, so adding a workstation is one edit of the plant file and one command.
struct ComposeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compose",
    abstract: "Generate the per-cell docker-compose services (and Prometheus targets) from a plant file.",
    discussion: """
      Writes one service per cell and fleet service (perception, policy, control, plc-bridge, \
      cell; cell-sim in the 'sim' profile), each reading the plant file and its cell, with a \
      `workcell health` healthcheck and a restart policy. Use it beside docker-compose.yml: \
      COMPOSE_FILE=docker-compose.yml:deploy/compose.cells.yml. The plant file is checked first; \
      nothing is written when it has errors. Output is deterministic.
      """
  )

  @Argument(help: "The plant file.")
  var file: String

  @Option(help: "Where to write the compose part; '-' writes to standard output.")
  var output = "-"

  @Option(help: "Where to write Prometheus file_sd targets for the cells' services (JSON); none when left out.")
  var targets: String?

  @Option(help: "Image the services run.")
  var image = "${WORKCELL_IMAGE:-workcell:latest}"

  @Option(help: "The plant file's path on the plant server, as compose mounts it.")
  var plantFile = "${WORKCELL_PLANT_FILE:-./deploy/plant.yaml}"

  func run() throws {
    let plant: PlantConfiguration
    do {
      plant = try PlantConfiguration.load(contentsOf: file)
    } catch {
      FileHandle.standardError.write(Data((error.description + "\n").utf8))
      throw ExitCode(1)
    }
    var defaults: [String: (grpc: Int, http: Int)] = [:]
    for service in CellComposePart.services {
      let offset = FleetPortPlan.offset(of: service) ?? 0
      defaults[service] = (FleetPortPlan.grpcBase + offset, FleetPortPlan.httpBase + offset)
    }
    let part = CellComposePart(image: image, plantFileOnHost: plantFile, defaultPorts: defaults)
    try write(part.composeFile(for: plant, source: file), to: output)
    if let targets { try write(part.prometheusTargets(for: plant), to: targets) }
  }

  private func write(_ text: String, to path: String) throws {
    if path == "-" {
      FileHandle.standardOutput.write(Data(text.utf8))
      return
    }
    do {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
  }
}
