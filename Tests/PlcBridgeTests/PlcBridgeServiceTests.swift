import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ModbusTCP
import PlcHandshakes
import ServiceLifecycle
import SimulatedPLC
import Testing
import WorkcellProto
import WorkcellRuntime

@testable import CellSimService
@testable import PlcBridgeService

/// The bridge in-process over real gRPC and real Modbus TCP, against the simulated PLCs.
@Suite("plc-bridge against the simulated PLCs, in-process")
struct PlcBridgeServiceTests {
  /// Runs a simulated left side (time-scaled) and a bridge polling it, for `body`.
  private func withBridge(
    timeScale: Double = 0.05,
    _ body: @Sendable (Workcell_Plc_V1_PlcBridge.Client<HTTP2ClientTransport.Posix>, SimulatedPLCEndpoint, FleetMember) async throws -> Void
  ) async throws {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    var config = SimulatedPLCConfig.defaults
    config.timeScale = timeScale
    config.jitter = 0
    let plc = SimulatedPLCEndpoint(config: config, seed: 7, nutSeated: true, feederUnit: 1, fixtureUnit: 2)
    let server = ModbusTCPServer(host: "127.0.0.1", port: 0, device: plc, logger: logger)
    try await withThrowingTaskGroup { group in
      group.addTask { try await server.run() }
      let modbusPort = try #require(await server.boundPort())
      let options = try PlcBridgeOptions.parse([
        "--feeder", "left=127.0.0.1:\(modbusPort)/1", "--fixture", "left=127.0.0.1:\(modbusPort)/2", "--poll-ms", "5",
      ])
      let member = try await FleetMember.build(
        PlcBridgeService.self, options: options, host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0),
        environment: [:], logger: logger)
      let fleet = FleetRunner.makeGroup(members: [member], grace: .seconds(1), signals: [], logger: logger)
      group.addTask { try await fleet.run() }
      let grpcPort = try await member.grpcPort()
      try await withGRPCClient(
        transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
      ) { client in
        let bridge = Workcell_Plc_V1_PlcBridge.Client(wrapping: client)
        // Wait until both devices are polled.
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? await bridge.getIO(.with { $0.side = .left }).devices.allSatisfy { $0.connection == .connected }) != true {
          try #require(ContinuousClock.now < deadline, "the bridge did not connect to the simulated PLCs")
          try await Task.sleep(for: .milliseconds(10))
        }
        try await body(bridge, plc, member)
      }
      await fleet.triggerGracefulShutdown()
      group.cancelAll()
    }
  }

  private func options(timeout: Duration) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = timeout
    return options
  }

  @Test("a full cycle: part presented and taken, nut clamped, fastened within the window, fixture released")
  func fullCycle() async throws {
    try await withBridge { bridge, plc, member in
      for cycle in 1...2 {
        let part = try await bridge.requestPart(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
        #expect(part.partsFed == UInt32(cycle))
        // 1.5 s × 0.05 = 75 ms plus polling; the upper bound only rules out garbage (CI runs loaded).
        #expect(part.waitMs >= 60 && part.waitMs < 2000, "got \(part.waitMs)")
        let taken = try await bridge.confirmPartTaken(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
        #expect(taken.partsRemaining == 500 - UInt32(cycle))
        let clamp = try await bridge.clamp(.with { $0.side = .left; $0.seatWaitMs = 200 }, options: options(timeout: .seconds(15)))
        #expect(clamp.nutSeated && clamp.clamped)
        let result = try await bridge.fasten(.with { $0.side = .left; $0.program = 5 }, options: options(timeout: .seconds(15)))
        #expect(result.ok)
        #expect((11.0...14.0).contains(result.torqueNm))
        #expect(result.cycleCount == UInt32(cycle))
        #expect(result.fastenMs >= 140, "3 s × 0.05 = 150 ms")
        _ = try await bridge.releaseFixture(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
      }
      // The bridge left every handshake coil low and wrote the program.
      let (feederCoils, fixtureCoils, program) = plc.update { feeder, fixture, _ in (feeder.coils, fixture.coils, fixture.program) }
      #expect(feederCoils[0...1] == [false, false])
      #expect(fixtureCoils[0...2] == [false, false, false])
      #expect(program == 5)
      let exposition = member.metrics.emitToString()
      #expect(exposition.contains(#"workcell_plc_handshake_duration_seconds_count{handshake="fasten",result="ok"} 2"#))
      #expect(exposition.contains("workcell_plc_poll_latency_seconds_bucket"))
    }
  }

  @Test("the caller's deadline ends the wait and the bridge clears FEED_REQUEST")
  func callerDeadline() async throws {
    try await withBridge(timeScale: 1) { bridge, plc, _ in
      let started = ContinuousClock.now
      await #expect {
        try await bridge.requestPart(.with { $0.side = .left }, options: options(timeout: .milliseconds(200)))
      } throws: { error in
        (error as? RPCError)?.code == .deadlineExceeded
      }
      // Well before the nut (1.5 s) would have come; generous for a loaded CI machine.
      #expect(ContinuousClock.now - started < .seconds(1.4))
      // Coils are the bridge's to write: polled, not slept on, as CI runs every suite at once on two cores.
      let clearBy = ContinuousClock.now + .seconds(5)
      while plc.update({ feeder, _, _ in feeder.coils[0] }), ContinuousClock.now < clearBy {
        try await Task.sleep(for: .milliseconds(20))
      }
      #expect(plc.update { feeder, _, _ in feeder.coils[0] } == false, "FEED_REQUEST cleared after the caller gave up")
    }
  }

  @Test("an e-stop during a wait aborts it; nothing restarts until released and reset")
  func estop() async throws {
    try await withBridge(timeScale: 1) { bridge, plc, _ in
      try await withThrowingTaskGroup { group in
        group.addTask {
          await #expect {
            try await bridge.requestPart(.with { $0.side = .left }, options: self.options(timeout: .seconds(15)))
          } throws: { error in
            (error as? RPCError)?.code == .aborted && "\(error)".contains("ESTOP_OK")
          }
        }
        try await Task.sleep(for: .milliseconds(300))
        plc.update { feeder, fixture, now in
          feeder.setEstop(ok: false, now: now)
          fixture.setEstop(ok: false, now: now)
        }
        try await group.waitForAll()
      }
      // Reset is refused while the chain is open.
      await #expect {
        try await bridge.resetFault(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
      } throws: { error in
        (error as? RPCError)?.code == .aborted || (error as? RPCError)?.code == .failedPrecondition
      }
      plc.update { feeder, fixture, now in
        feeder.setEstop(ok: true, now: now)
        fixture.setEstop(ok: true, now: now)
      }
      try await Task.sleep(for: .milliseconds(50))
      // Still refused: the PLC owes a FAULT_RESET after an e-stop.
      await #expect(throws: RPCError.self) {
        try await bridge.requestPart(.with { $0.side = .left }, options: options(timeout: .milliseconds(500)))
      }
      let reset = try await bridge.resetFault(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
      #expect(reset.safety.estopOk)
      let part = try await bridge.requestPart(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
      #expect(part.partsRemaining == 500)
    }
  }

  @Test("a cross-threaded nut is a NOK result with its fault code, not an error")
  func crossThread() async throws {
    try await withBridge { bridge, plc, _ in
      plc.update { _, fixture, _ in fixture.arm(.crossThread) }
      _ = try await bridge.clamp(.with { $0.side = .left; $0.seatWaitMs = 100 }, options: options(timeout: .seconds(15)))
      let result = try await bridge.fasten(.with { $0.side = .left; $0.program = 1 }, options: options(timeout: .seconds(15)))
      #expect(!result.ok)
      #expect(result.faultCode == .crossThread)
      _ = try await bridge.releaseFixture(.with { $0.side = .left }, options: options(timeout: .seconds(15)))
    }
  }

  @Test("bad requests get INVALID_ARGUMENT naming what to fix", arguments: [
    (Workcell_Common_V1_Side.unspecified, UInt32(1), "names no side"),
    (.right, 1, "no right side"),
    (.left, 0, "program 0"),
    (.left, 17, "program 17"),
  ])
  func badRequests(side: Workcell_Common_V1_Side, program: UInt32, mentions: String) async throws {
    try await withBridge { bridge, _, _ in
      await #expect {
        try await bridge.fasten(.with { $0.side = side; $0.program = program }, options: options(timeout: .seconds(1)))
      } throws: { error in
        (error as? RPCError)?.code == .invalidArgument && "\(error)".contains(mentions)
      }
    }
  }
}
