import GRPCCore
import GRPCInProcessTransport
import ServiceLifecycle
import Synchronization

/// The gRPC hops of a fleet whose services all run in one process (`workcell demo`): each
/// service's server also answers on grpc-swift's in-process transport, and a client of a port
/// served here talks to it without HTTP/2 over loopback — the same services, interceptors,
/// metadata, deadlines and status codes, about 35× cheaper per streamed message
/// (`workcell-bench grpc-hop --in-process`; docs/simulation.md).
///
/// Every client gets its own in-process pairing (grpc-swift pairs one client with one server
/// transport); the service serves each pairing with its own `GRPCServer`. A client may come
/// before its server: its calls wait in the pairing until the service starts.
public final class InProcessGRPC: Sendable {
  private struct State {
    /// Where a served port's new pairings go.
    var served: [Int: AsyncStream<InProcessTransport.Server>.Continuation] = [:]
    var waiting: [Int: [InProcessTransport.Server]] = [:]
  }

  /// The ports served in this process; other ports are reached over the network.
  public let ports: Set<Int>
  private let state = Mutex(State())

  public init(ports: Set<Int>) {
    self.ports = ports
  }

  /// A client transport to the service on `port`, or nil if that port is not served here.
  public func clientTransport(port: Int) -> InProcessTransport.Client? {
    guard ports.contains(port) else { return nil }
    let pairing = InProcessTransport()
    state.withLock { state in
      if let pairings = state.served[port] {
        pairings.yield(pairing.server)
      } else {
        state.waiting[port, default: []].append(pairing.server)
      }
    }
    return pairing.client
  }

  /// What serves `port` in process: run it beside the service's network server. Its
  /// `GRPCServer`s serve `services` through `interceptors`, one per client pairing.
  public func servers(
    port: Int, services: [any RegistrableRPCService], interceptors: [any ServerInterceptor]
  ) -> InProcessGRPCServers {
    let (pairings, continuation) = AsyncStream.makeStream(of: InProcessTransport.Server.self)
    state.withLock { state in
      for server in state.waiting.removeValue(forKey: port) ?? [] { continuation.yield(server) }
      state.served[port] = continuation
    }
    return InProcessGRPCServers(pairings: pairings, services: services, interceptors: interceptors)
  }
}

/// The in-process servers of one service (`InProcessGRPC.servers`): serves each client's
/// pairing until graceful shutdown.
public struct InProcessGRPCServers: Service {
  let pairings: AsyncStream<InProcessTransport.Server>
  let services: [any RegistrableRPCService]
  let interceptors: [any ServerInterceptor]

  public func run() async throws {
    let running = Mutex<[GRPCServer<InProcessTransport.Server>]>([])
    await withGracefulShutdownHandler {
      await withDiscardingTaskGroup { group in
        for await transport in pairings.cancelOnGracefulShutdown() {
          let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
          running.withLock { $0.append(server) }
          group.addTask { try? await server.serve() }
        }
        for server in running.withLock({ $0 }) { server.beginGracefulShutdown() }
      }
    } onGracefulShutdown: {
      for server in running.withLock({ $0 }) { server.beginGracefulShutdown() }
    }
  }
}
