import ArgumentParser
import Foundation
import PlantConfig

/// `workcell config`: work with the plant file.
struct ConfigCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config",
    abstract: "Work with the plant file (YAML).",
    subcommands: [Check.self]
  )

  /// `workcell config check FILE`: every mistake in a plant file, each with its line.
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check",
      abstract: "Check a plant file: exit 0 when services can use it, 1 when it has errors.",
      discussion: """
        Finds what a plant engineer gets wrong: YAML mistakes, unknown or missing keys, duplicate \
        cell/line/robot ids, port clashes (between services on the plant server, or two PLC devices \
        at one address and unit id), Modbus unit ids outside 1–247, overlapping shifts and bad \
        breaks, cells without a yield endpoint, an ideal cycle longer than takt, no word on how \
        the gRPC hops are secured (a `security` section naming the plant's certificates, or \
        `insecure: true`). When the certificates' directory is on this machine, every service's \
        certificate and key must be in it. Each is printed as FILE:LINE: error: message [code], \
        the format editors jump to.
        """
    )

    @Argument(help: "The plant file, e.g. deploy/plant.example.yaml.")
    var file: String

    func run() throws {
      let text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        throw ValidationError("cannot read \(file): \(error.localizedDescription)")
      }
      var check = PlantConfiguration.check(yaml: text, file: file)
      if let security = check.configuration?.security { check.issues += Self.certificateIssues(security) }
      for issue in check.issues { print(issue.formatted(file: file)) }
      let errors = check.errors.count
      let warnings = check.issues.count - errors
      if errors > 0 {
        print("\(file): \(errors) error(s), \(warnings) warning(s)")
        throw ExitCode(1)
      }
      let plant = check.configuration
      let robots = plant?.cells.reduce(0) { $0 + $1.robots.count } ?? 0
      print(
        "\(file): OK: plant '\(plant?.plant.id ?? "")', \(plant?.cells.count ?? 0) cell(s), \(robots) robot(s), "
          + "\(plant?.shiftCalendarSection?.shifts.count ?? 0) shift(s), \(warnings) warning(s)")
    }

    /// The certificates `security.pki` names, when that directory is on this machine (the plant
    /// server, or a copy): the CA and every service's certificate and key (`workcell certs init`).
    static func certificateIssues(_ security: PlantConfiguration.Security) -> [PlantConfigIssue] {
      guard let directory = security.pkiDirectory else { return [] }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        return []  // not on this machine (e.g. checked on a laptop): nothing to look at
      }
      let services = PlantConfiguration.cellServices + ["yield"]
      let needed = ["ca.pem"] + services.flatMap { ["\($0).pem", "\($0).key"] }
      let missing = needed.filter { !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
      guard !missing.isEmpty else { return [] }
      return [
        PlantConfigIssue(
          .error, .security, line: security.sourceLine,
          "security.pki '\(directory)' lacks \(missing.joined(separator: ", ")); "
            + "make them with `workcell certs init --plant \(directory)` (or `workcell certs add`)")
      ]
    }
  }
}
