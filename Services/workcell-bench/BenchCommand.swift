import ArgumentParser

/// `workcell-bench <name>`: the fleet's benchmarks. Each prints `metric: value unit` lines and,
/// where it has one, an anchor measured in the same run. Build in release: debug gRPC is about
/// ten times slower and its figures mean nothing.
@main
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workcell-bench",
    abstract: "Benchmarks of the Workcell fleet (run a release build: swift run -c release workcell-bench …).",
    subcommands: [GRPCHopBenchmark.self, ControlJitterBenchmark.self, PLCBenchmark.self, EchoServerCommand.self, SimBenchmark.self,
      YieldIngestBenchmark.self, YieldQueryBenchmark.self, CellBenchmark.self, PolicyBenchmark.self,
    ]
  )
}
