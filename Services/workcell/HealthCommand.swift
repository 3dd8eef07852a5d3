import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import WorkcellProto
import WorkcellRuntime

/// `workcell health`: asks a service's `grpc.health.v1` whether it is SERVING — the probe for
/// docker-compose healthchecks and scripts. Exit 0 when SERVING, 1 when not, 2 when unreachable.
struct HealthCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "health",
    abstract: "Probe a service's grpc.health.v1: exit 0 if SERVING, 1 if not, 2 if unreachable.",
    discussion: "Example: workcell health --port 50064 --service workcell.plc.v1.PlcBridge"
  )

  @Option(help: "Host of the service (numeric IPv4).")
  var host = "127.0.0.1"

  @Option(help: "gRPC port of the service.")
  var port: Int

  @Option(help: "gRPC service name to check; empty checks the server as a whole.")
  var service = ""

  @Option(help: "Seconds to wait for an answer.")
  var timeoutS: Double = 2

  @Option(help: "The plant's certificates when the service serves mutual TLS (default: WORKCELL_TLS_DIR, as a container has it).")
  var tlsDir: String?

  @Option(help: "Which identity of --tls-dir to present (default: WORKCELL_TLS_IDENTITY, else operator).")
  var tlsIdentity: String?

  func validate() throws {
    guard (1...65535).contains(port) else { throw ValidationError("--port must be 1–65535, got \(port).") }
    guard timeoutS > 0, timeoutS <= 60 else { throw ValidationError("--timeout-s must be in (0, 60].") }
  }

  func run() async throws {
    let target = (host == "localhost" ? "127.0.0.1" : host)
    try FleetTLS.enableForCommand(
      directory: tlsDir, identity: tlsIdentity, environment: ProcessInfo.processInfo.environment)
    let result: Result<Grpc_Health_V1_HealthCheckResponse.ServingStatus, any Error> = await Result(catching: {
      try await withGRPCClient(
        transport: HostPort.transport(target: .ipv4(address: target, port: port), host: target)
      ) { client in
        var options = CallOptions.defaults
        options.timeout = .milliseconds(Int64(timeoutS * 1000))
        return try await Grpc_Health_V1_Health.Client(wrapping: client)
          .check(.with { $0.service = service }, options: options).status
      }
    })
    let name = service.isEmpty ? "server" : service
    switch result {
    case .success(.serving):
      print("\(host):\(port) \(name): SERVING")
    case .success(let status):
      print("\(host):\(port) \(name): \(status)")
      throw ExitCode(1)
    case .failure(let error as RPCError) where error.code == .notFound:
      print("\(host):\(port) \(name): not served here (\(error.message))")
      throw ExitCode(1)
    case .failure(let error):
      print("\(host):\(port) \(name): unreachable (\(error))")
      throw ExitCode(2)
    }
  }
}

extension Result where Failure == any Error {
  /// Captures the outcome of an async throwing closure.
  init(catching body: () async throws -> Success) async {
    do { self = .success(try await body()) } catch { self = .failure(error) }
  }
}
