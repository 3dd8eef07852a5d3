import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WorkcellProto

@testable import WorkcellRuntime

/// A service whose API is defined but not built: the shape every service has at the foundation.
private enum PendingBridge: FleetService {
  typealias Options = NoServiceOptions
  static let name = "plc-bridge"
  static let abstract = "test double of a pending service"

  static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Plc_V1_PlcBridge.descriptor,
      methods: Workcell_Plc_V1_PlcBridge.Method.descriptors,
      plannedIn: "issue #4 (PLC bridge: Modbus TCP to the feeder and fixture)")
  }
}

/// Statuses a health watcher received, shared between the watching task and the test.
private final class StatusLog: Sendable {
  let statuses = Mutex<[Grpc_Health_V1_HealthCheckResponse.ServingStatus]>([])
}

@Suite("A fleet member in-process, over real gRPC on port 0")
struct FleetMemberTests {
  @Test("health goes SERVING, pending RPCs answer UNIMPLEMENTED naming their issue, metrics count them, and shutdown ends watches")
  func lifecycle() async throws {
    let logger = Logger(label: "test")
    let member = try await FleetMember.build(
      PendingBridge.self, options: NoServiceOptions(), host: "127.0.0.1",
      ports: ServicePorts(grpc: 0, http: 0), environment: [:], logger: logger)
    let group = FleetRunner.makeGroup(members: [member], grace: .seconds(2), signals: [], logger: logger)

    try await withThrowingTaskGroup { tasks in
      tasks.addTask { try await group.run() }
      let port = try await member.grpcPort()

      try await withGRPCClient(
        transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
      ) { client in
        let health = Grpc_Health_V1_Health.Client(wrapping: client)
        var status = Grpc_Health_V1_HealthCheckResponse.ServingStatus.unknown
        for _ in 0..<200 where status != .serving {
          status = try await health.check(.with { $0.service = "workcell.plc.v1.PlcBridge" }).status
          if status != .serving { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(status == .serving)

        await #expect {
          try await health.check(.with { $0.service = "no.such.Service" })
        } throws: { error in
          (error as? RPCError)?.code == .notFound
            && (error as? RPCError)?.message.contains("workcell.plc.v1.PlcBridge") == true
        }

        let bridge = Workcell_Plc_V1_PlcBridge.Client(wrapping: client)
        await #expect {
          try await bridge.requestPart(.init())
        } throws: { error in
          let rpc = error as? RPCError
          return rpc?.code == .unimplemented
            && rpc?.message == "workcell.plc.v1.PlcBridge/RequestPart is not implemented yet: "
              + "it belongs to issue #4 (PLC bridge: Modbus TCP to the feeder and fixture)."
        }

        let exposition = member.metrics.emitToString()
        #expect(exposition.contains(
          #"grpc_server_handled_total{grpc_service="workcell.plc.v1.PlcBridge",grpc_method="RequestPart",grpc_code="UNIMPLEMENTED"} 1"#))
        #expect(exposition.contains(
          #"grpc_server_handled_total{grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="NOT_FOUND"} 1"#))
        #expect(exposition.contains("grpc_server_handling_seconds_bucket"))

        // A health watcher sees SERVING, then NOT_SERVING when the drain starts, and its
        // stream ends, so it does not hold the server open.
        let seen = StatusLog()
        try await withThrowingTaskGroup { watch in
          watch.addTask {
            try await health.watch(.with { $0.service = "" }) { response in
              for try await message in response.messages {
                seen.statuses.withLock { $0.append(message.status) }
              }
            }
          }
          for _ in 0..<200 where seen.statuses.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
          await group.triggerGracefulShutdown()
          try await watch.waitForAll()
        }
        #expect(seen.statuses.withLock { $0 } == [.serving, .notServing])
      }
      try await tasks.waitForAll()
    }
    #expect(member.health.status(of: "") == .notServing)
  }

  @Test("a host that is not a numeric address is refused with a message saying what to pass")
  func badHost() async {
    await #expect {
      _ = try await FleetMember.build(
        PendingBridge.self, options: NoServiceOptions(), host: "plant-server-1",
        ports: ServicePorts(grpc: 0, http: 0), environment: [:], logger: Logger(label: "test"))
    } throws: { error in
      (error as? WorkcellError)?.code == .invalidArgument && "\(error)".contains("numeric IPv4")
    }
  }
}
