import GRPCCore
import SimulatedTime
import Testing
import WorkcellProto

@testable import WorkcellRuntime

@Suite("InProcessGRPC: a fleet's gRPC hops inside one process")
struct InProcessGRPCTests {
  /// A client of `port` made before the service serves it, then the service's in-process
  /// servers running beside `body`.
  private func withInProcessHealth(
    _ body: @Sendable (Grpc_Health_V1_Health.Client<FleetClientTransport>, HealthStatusBoard) async throws -> Void
  ) async throws {
    // Nothing listens on this port: only the in-process pairing can answer.
    let port = 50999
    let links = InProcessGRPC(ports: [port])
    let client = try HostPort(host: "127.0.0.1", port: port).grpcClient(clock: WallClock(), inProcess: links)
    let board = HealthStatusBoard(services: ["workcell.test.v1.Test"])
    let servers = links.servers(port: port, services: [HealthService(board: board)], interceptors: [])
    try await withThrowingTaskGroup { group in
      group.addTask { try await servers.run() }
      group.addTask { try await client.runConnections() }
      try await body(Grpc_Health_V1_Health.Client(wrapping: client), board)
      client.beginGracefulShutdown()
      group.cancelAll()
    }
  }

  @Test("unary calls, server streams and error statuses arrive as over HTTP/2")
  func sameContract() async throws {
    try await withInProcessHealth { health, board in
      var options = CallOptions.defaults
      options.timeout = .seconds(5)
      #expect(try await health.check(.with { $0.service = "workcell.test.v1.Test" }, options: options).status == .notServing)
      board.setAll(.serving)
      #expect(try await health.check(.with { $0.service = "" }, options: options).status == .serving)
      await #expect {
        _ = try await health.check(.with { $0.service = "no.such.Service" }, options: options)
      } throws: { error in
        let error = error as? RPCError
        return error?.code == .notFound && error?.message.contains("no.such.Service") == true
      }
      // A server stream: the current status first, then each change.
      let seen = try await health.watch(.with { $0.service = "workcell.test.v1.Test" }, options: options) { response in
        var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
        for try await message in response.messages {
          statuses.append(message.status)
          if statuses.count == 1 { board.set(.notServing, for: "workcell.test.v1.Test") }
          if statuses.count == 2 { break }
        }
        return statuses
      }
      #expect(seen == [.serving, .notServing])
    }
  }

  @Test("a port not served in this process is reached over the network")
  func otherPortsOverTheNetwork() {
    let links = InProcessGRPC(ports: [50998])
    #expect(links.clientTransport(port: 50997) == nil)
    #expect(links.clientTransport(port: 50998) != nil)
  }
}
