import Logging
import ServiceLifecycle
import UnixSignals

/// Runs fleet members in one `ServiceGroup`: started in order, stopped in reverse on SIGTERM or
/// SIGINT. In-flight work gets `grace` to finish; what is still running then is cancelled, and
/// the process exits within `grace` plus one second whatever the services do.
public enum FleetRunner {
  /// Runs `members` until a signal or until one of them fails.
  public static func run(members: [FleetMember], grace: Duration, logger: Logger) async throws {
    let group = makeGroup(members: members, grace: grace, signals: [.sigterm, .sigint], logger: logger)
    try await group.run()
    logger.info("stopped", metadata: ["services": "\(members.map(\.name).joined(separator: ","))"])
  }

  /// The group `run` uses; tests drive it with `triggerGracefulShutdown()` instead of signals.
  public static func makeGroup(
    members: [FleetMember], grace: Duration, signals: [UnixSignal], logger: Logger
  ) -> ServiceGroup {
    var configuration = ServiceGroupConfiguration(
      services: members.flatMap(\.services).map {
        ServiceGroupConfiguration.ServiceConfiguration(service: $0)
      },
      gracefulShutdownSignals: signals,
      cancellationSignals: [],
      logger: logger
    )
    configuration.maximumGracefulShutdownDuration = grace
    configuration.maximumCancellationDuration = .seconds(1)
    return ServiceGroup(configuration: configuration)
  }
}
