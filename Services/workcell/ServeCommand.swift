import ArgumentParser
import Foundation
import Logging
import WorkcellRuntime

/// `workcell serve`: runs the chosen fleet services in this one process, each on its own gRPC
/// and HTTP ports, still talking gRPC to each other (like Loki's or Mimir's monolithic mode).
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run fleet services in one process (all of them, or a list).",
    discussion: """
      Each service listens on its own ports: gRPC at --grpc-port-base plus its index and HTTP \
      (/metrics, /healthz, /readyz) at --http-port-base plus its index, in the order \
      \(FleetPortPlan.order.enumerated().map { "\($0.element)=\($0.offset)" }.joined(separator: ", ")). \
      With the defaults that is the same port each service uses when run alone.
      """
  )

  @Option(
    help: ArgumentHelp(
      "Services to run: 'all' or a comma-separated list (\(FleetPortPlan.order.joined(separator: ", "))).",
      discussion: "Env: WORKCELL_TARGET. Default: all."))
  var target: String?

  @Option(
    help: ArgumentHelp(
      "First gRPC port of the port plan.",
      discussion: "Env: WORKCELL_GRPC_PORT_BASE. Default: \(FleetPortPlan.grpcBase)."))
  var grpcPortBase: Int?

  @Option(
    help: ArgumentHelp(
      "First HTTP port of the port plan.",
      discussion: "Env: WORKCELL_HTTP_PORT_BASE. Default: \(FleetPortPlan.httpBase)."))
  var httpPortBase: Int?

  @OptionGroup(title: "Runtime") var runtime: RuntimeOptions

  func run() async throws {
    let environment = ProcessInfo.processInfo.environment
    let env = EnvironmentDefaults(environment)
    let config = try runtime.resolve(environment: environment)
    let entries = try FleetCatalog.select(try env.value(target, "WORKCELL_TARGET", default: "all"))
    let grpcBase = try env.value(grpcPortBase, "WORKCELL_GRPC_PORT_BASE", default: FleetPortPlan.grpcBase)
    let httpBase = try env.value(httpPortBase, "WORKCELL_HTTP_PORT_BASE", default: FleetPortPlan.httpBase)

    WorkcellLogging.bootstrap(format: config.logFormat, level: config.logLevel)
    let logger = Logger(label: "workcell.serve")
    var members: [FleetMember] = []
    for entry in entries {
      let offset = FleetPortPlan.offset(of: entry.name) ?? 0
      let ports = ServicePorts(grpc: grpcBase + offset, http: httpBase + offset)
      try ports.validate()
      members.append(try await entry.build(config.host, ports, environment, logger))
    }
    logger.info("starting", metadata: ["services": "\(entries.map(\.name).joined(separator: ","))"])
    try await FleetRunner.run(members: members, grace: config.shutdownGrace, logger: logger)
  }
}
