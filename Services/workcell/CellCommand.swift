import ArgumentParser
import Foundation
import PlantConfig
import WorkcellProto
import WorkcellRuntime

/// `workcell cell status|start|pause|stop|reset`: the operator's view and controls of one cell's
/// sequencer (workcell.cell.v1.Cell), found in the plant file or at `--address`.
struct CellCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cell",
    abstract: "See and steer one cell: status, start, pause, stop, reset.",
    discussion: """
      The cell is found by --cell ID in the plant file (--plant-config or WORKCELL_PLANT_CONFIG: \
      127.0.0.1 and the cell service's published gRPC port, else its compose service name and the \
      fleet port plan's 50065), or at --address HOST:PORT. Text by default, --json for scripts. \
      Exit status: 0 done, 1 the cell refused (the message says why and what to do), 2 the cell \
      did not answer.
      """,
    subcommands: [Status.self, Start.self, Pause.self, Stop.self, Reset.self])

  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Robots' run states and steps, the outbox backlog and the last cycles.")
    @OptionGroup var target: CellTarget

    @Option(help: "yield's gRPC address for the last cycles (default: the plant file's for this cell); 'off' skips them.")
    var yield: String?

    @Option(help: "How many of the cell's last cycles to show (from yield).")
    var lastCycles: Int = 5

    func validate() throws {
      guard (0...100).contains(lastCycles) else { throw ValidationError("--last-cycles must be 0–100, got \(lastCycles).") }
      if let yield, yield != "off" { _ = try HostPort.parse(yield, flag: "--yield") }
    }

    func run() async throws {
      let cell = try target.resolve()
      let status = try await CellControl.perform(on: cell, timeoutS: target.timeoutS) { try await $0.status() }
      var cycles: CellReport.LastCycles = .skipped
      if lastCycles > 0, yield != "off", let address = try yield.map({ try HostPort.parse($0, flag: "--yield") }) ?? cell.yield {
        cycles = await CellControl.lastCycles(
          cell: status.cell.cell.isEmpty ? cell.id : status.cell.cell, from: address, limit: lastCycles,
          token: ProcessInfo.processInfo.environment["WORKCELL_YIELD_TOKEN"], timeoutS: target.timeoutS)
      }
      print(target.json ? CellReport.json(status: status, at: cell, lastCycles: cycles) : CellReport.text(status: status, at: cell, lastCycles: cycles))
    }
  }

  struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Start the robots (or continue after pause); a faulted robot is reset first: PLC faults reset, control resumed, arm homed.")
    @OptionGroup var target: CellTarget
    @OptionGroup var robots: CellRobots

    @Option(help: "Cycles per robot before it stops by itself (0 = until stopped).")
    var cycles: UInt32 = 0

    func run() async throws {
      let cell = try target.resolve()
      let after = try await CellControl.perform(on: cell, timeoutS: max(target.timeoutS, 60)) {
        try await $0.start(robots: robots.robot, cycleLimit: cycles)
      }
      print(CellReport.transition("start", robots: after, at: cell, json: target.json))
    }
  }

  struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Finish the cycles in progress, then hold; start continues.")
    @OptionGroup var target: CellTarget
    @OptionGroup var robots: CellRobots

    func run() async throws {
      let cell = try target.resolve()
      let after = try await CellControl.perform(on: cell, timeoutS: target.timeoutS) { try await $0.pause(robots: robots.robot) }
      print(CellReport.transition("pause", robots: after, at: cell, json: target.json))
    }
  }

  struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "End the run: finish the cycles in progress (or abort them with --abort), then go idle.")
    @OptionGroup var target: CellTarget
    @OptionGroup var robots: CellRobots

    @Flag(help: "Abort the cycles in progress now (recorded as aborted) instead of finishing them.")
    var abort = false

    func run() async throws {
      let cell = try target.resolve()
      let after = try await CellControl.perform(on: cell, timeoutS: target.timeoutS) {
        try await $0.stop(robots: robots.robot, abortCycles: abort)
      }
      print(CellReport.transition("stop", robots: after, at: cell, json: target.json))
    }
  }

  struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Abort the cycles in progress and return the robots to idle.",
      discussion: """
        The cell's contract has no reset of its own: a faulted robot is reset (PLC faults, \
        control, homing) by `workcell cell start`, once the cause is cleared. reset therefore \
        refuses (exit 1) for a faulted robot and says so; the others are stopped with their cycles \
        aborted.
        """)
    @OptionGroup var target: CellTarget
    @OptionGroup var robots: CellRobots

    func run() async throws {
      let cell = try target.resolve()
      let after = try await CellControl.perform(on: cell, timeoutS: target.timeoutS) { try await $0.reset(robots: robots.robot) }
      print(CellReport.transition("reset", robots: after, at: cell, json: target.json))
    }
  }
}

/// Which robots a transition is for.
struct CellRobots: ParsableArguments {
  @Option(help: "A robot of the cell (repeatable); default: every robot.")
  var robot: [String] = []
}
