import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// Reports a service SERVING once its gRPC server is bound, and NOT_SERVING as soon as shutdown
/// begins: it runs last and so is the first to stop, telling load balancers and health watchers
/// before the server drains.
struct HealthPublisher: Service {
  let member: FleetMember
  let logger: Logger

  func run() async throws {
    let grpcPort = try await member.grpcPort()
    // The HTTP server binds concurrently; wait for it so the log line names both ports.
    let httpPort = await member.httpPort()
    member.health.setAll(.serving)
    logger.info(
      "serving", metadata: ["grpc_port": "\(grpcPort)", "http_port": "\(httpPort.map(String.init) ?? "unbound")"])
    do {
      try await gracefulShutdown()
    } catch {
      // Cancelled rather than shut down gracefully: still report NOT_SERVING below.
    }
    logger.info("draining: health reports NOT_SERVING")
    member.health.shutDown()
  }
}
