import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import WorkcellProto

/// The Swift side of the hop: echoes what it receives, unary or on a stream.
struct EchoService: Workcell_Bench_V1_Echo.SimpleServiceProtocol {
  func echo(
    request: Workcell_Bench_V1_EchoRequest, context: ServerContext
  ) async throws -> Workcell_Bench_V1_EchoResponse {
    .with {
      $0.sequence = request.sequence
      $0.payload = request.payload
    }
  }

  func echoStream(
    request: RPCAsyncSequence<Workcell_Bench_V1_EchoRequest, any Error>,
    response: RPCWriter<Workcell_Bench_V1_EchoResponse>,
    context: ServerContext
  ) async throws {
    for try await message in request {
      try await response.write(
        .with {
          $0.sequence = message.sequence
          $0.payload = message.payload
        })
    }
  }
}

/// `workcell-bench echo-server`: the server process the hop benchmark starts; prints
/// `READY <port>` once listening and serves until it is sent SIGTERM or its parent exits.
struct EchoServerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "echo-server",
    abstract: "Serve workcell.bench.v1.Echo on 127.0.0.1 (started by grpc-hop; prints READY <port>).",
    shouldDisplay: false
  )

  @Option(help: "Port to listen on (0 picks a free one).")
  var port: Int = 0

  func run() async throws {
    let server = GRPCServer(
      transport: HTTP2ServerTransport.Posix(
        address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext),
      services: [EchoService()])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      let address = try await server.transport.listeningAddress
      // Unbuffered, so the parent sees the line at once.
      FileHandle.standardOutput.write(Data("READY \(address.ipv4?.port ?? 0)\n".utf8))
      // The parent normally ends us with SIGTERM; should it die first, we notice and stop.
      let parent = getppid()
      group.addTask {
        while getppid() == parent {
          try await Task.sleep(for: .milliseconds(250))
        }
        server.beginGracefulShutdown()
      }
    }
  }
}
