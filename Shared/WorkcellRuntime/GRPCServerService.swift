import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// A gRPC server as a ServiceLifecycle `Service`: serves until graceful shutdown, then stops
/// accepting calls and lets in-flight ones finish (the group's grace period bounds that).
public struct GRPCServerService: Service {
  /// The server being run.
  public let server: GRPCServer<HTTP2ServerTransport.Posix>

  public init(server: GRPCServer<HTTP2ServerTransport.Posix>) {
    self.server = server
  }

  public func run() async throws {
    try await withGracefulShutdownHandler {
      try await server.serve()
    } onGracefulShutdown: {
      server.beginGracefulShutdown()
    }
  }
}
