import ArgumentParser
import Foundation
import Logging

/// The whole command line of one fleet executable: the runtime's flags, the service's own, and
/// running it until SIGTERM. A service's main is one line: `await ServiceCommand<X>.start()`.
public struct ServiceCommand<S: FleetService>: AsyncParsableCommand {
  public static var configuration: CommandConfiguration {
    CommandConfiguration(
      commandName: S.name,
      abstract: S.abstract,
      discussion: S.discussion + """


        Serves gRPC (the service's API and grpc.health.v1) and HTTP (/metrics for Prometheus, \
        /healthz, /readyz). Every flag can also be set by the WORKCELL_* environment variable \
        named in its help. SIGTERM or SIGINT drains in-flight calls for --shutdown-grace-s, then \
        exits. Default ports: gRPC \(FleetPortPlan.grpcBase + (FleetPortPlan.offset(of: S.name) ?? 0)), \
        HTTP \(FleetPortPlan.httpBase + (FleetPortPlan.offset(of: S.name) ?? 0)).
        """
    )
  }

  @OptionGroup(title: "Runtime") public var runtime: RuntimeOptions
  @OptionGroup(title: "Ports") public var ports: ServicePortOptions
  @OptionGroup(title: "Service") public var options: S.Options

  public init() {}

  /// Parses the process's arguments and runs the service; exits with a clear message on bad
  /// input. (`main()` would pick ArgumentParser's synchronous overload for a generic command.)
  public static func start() async {
    do {
      var command = try parseAsRoot()
      if let service = command as? Self {
        try await service.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }

  public func run() async throws {
    let environment = ProcessInfo.processInfo.environment
    let config = try runtime.resolve(environment: environment)
    let plant = try config.loadPlant()
    let ports = try ports.resolve(service: S.name, environment: environment, planned: plant?.ports(of: S.name))
    WorkcellLogging.bootstrap(format: config.logFormat, level: config.logLevel)
    var logger = Logger(label: "workcell.\(S.name)")
    if let cell = plant?.cell { logger[metadataKey: "cell"] = "\(cell.id)" }
    try config.enableTLS(clientIdentity: S.name, logger: logger)
    let member = try await FleetMember.build(
      S.self, options: options, host: config.host, ports: ports, environment: environment, plant: plant,
      logger: logger)
    try await FleetRunner.run(members: [member], grace: config.shutdownGrace, logger: logger)
  }
}
