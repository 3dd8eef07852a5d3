import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import WorkcellProto

/// The `yield` executable started for a benchmark, and a gRPC client to it.
struct YieldUnderBench {
  let process: ChildProcess
  let grpcPort: Int

  /// Starts `executable` (default: the `yield` beside this benchmark) on `dsn`.
  static func start(dsn: String, executable: String? = nil, extraArguments: [String] = []) async throws
    -> YieldUnderBench
  {
    let own = try GRPCHopBenchmark.ownExecutable()
    let yieldPath =
      executable ?? URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("yield").path
    guard FileManager.default.isExecutableFile(atPath: yieldPath) else {
      throw BenchError(
        executable == nil
          ? "no yield executable beside \(own); build it: swift build -c release --product yield"
          : "\(yieldPath) is not an executable file")
    }
    let grpcPort = try FreePort.pick()
    let httpPort = try FreePort.pick()
    let process = try ChildProcess(
      executable: yieldPath,
      arguments: [
        "--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)", "--postgres", dsn, "--log-level", "error",
        "--kpi-refresh-s", "0",
      ] + extraArguments)
    let service = YieldUnderBench(process: process, grpcPort: grpcPort)
    // Ready once it answers a query (migrations applied).
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      do {
        _ = try await service.withClient { try await $0.listCells(.init()) }
        return service
      } catch {
        guard ContinuousClock.now < deadline else {
          await process.stop()
          throw BenchError("yield did not answer within 60 s: \(error)")
        }
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }

  func withClient<T: Sendable>(
    _ body: (Workcell_Yield_V1_Yield.Client<HTTP2ClientTransport.Posix>) async throws -> T
  ) async throws -> T {
    try await withGRPCClient { client in try await body(Workcell_Yield_V1_Yield.Client(wrapping: client)) }
  }

  /// The plain gRPC client, for calls with messages serialized beforehand.
  func withGRPCClient<T: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
    try await GRPCCore.withGRPCClient(
      transport: .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext,
        config: .defaults { $0.http2.maxFrameSize = 1 << 20 })
    ) { client in
      try await body(client)
    }
  }
}

/// A message already serialized: its bytes as they are.
struct SerializedMessage: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}
