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
        breaks, cells without a yield endpoint, an ideal cycle longer than takt. Each is printed \
        as FILE:LINE: error: message [code], the format editors jump to.
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
      let check = PlantConfiguration.check(yaml: text, file: file)
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
  }
}
