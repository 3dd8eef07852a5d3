import ArgumentParser

/// `workcell`: the operator's command for a Workcell plant server.
@main
struct WorkcellCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workcell",
    abstract: "Run and operate Workcell, the software of humanoid-robot assembly cells.",
    discussion: """
      Workcell is a fleet of gRPC services (perception, policy, control, plc-bridge, cell, \
      yield, cell-sim). Each is its own executable; `workcell serve` runs any of them in one \
      process for a laptop, a test or a small plant server.
      """,
    subcommands: [
      ServeCommand.self, DemoCommand.self, EpisodesCommand.self, HealthCommand.self, ConfigCommand.self, ComposeCommand.self,
      CellCommand.self, CertsCommand.self,
    ]
  )
}
