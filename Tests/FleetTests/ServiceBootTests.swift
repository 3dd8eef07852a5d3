import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing
import WorkcellProto

/// Each fleet executable, launched as a plant would run it: it reports SERVING over
/// grpc.health.v1, exposes /metrics, and exits cleanly within 5 s of SIGTERM.
@Suite("Fleet executables boot, serve health and metrics, and stop on SIGTERM")
struct ServiceBootTests {
  static let executables = ["perception", "policy", "control", "plc-bridge", "cell", "yield", "cell-sim"]

  @Test("serves health and /metrics, drains on SIGTERM", arguments: executables)
  func bootAndStop(executable: String) async throws {
    let ports = try Loopback.freePorts(2)
    let service = try FleetProcess(
      executable, ["--host", "127.0.0.1", "--grpc-port", "\(ports[0])", "--http-port", "\(ports[1])"])

    let serving = try await waitUntilServing(port: ports[0], timeout: .seconds(30))
    try #require(serving, "\(executable) did not report SERVING within 30 s. Log:\n\(service.log)")

    // Every gRPC service it names in health is SERVING too.
    let statuses = try await withLoopbackClient(port: ports[0]) { client in
      try await Grpc_Health_V1_Health.Client(wrapping: client).list(.init()).statuses
    }
    #expect(statuses.count >= 3, "health lists the server, grpc.health.v1.Health and the service's API")
    #expect(statuses.values.allSatisfy { $0.status == .serving })

    let metrics = try await Loopback.get(port: ports[1], path: "/metrics")
    #expect(metrics.status == 200)
    #expect(metrics.contentType.hasPrefix("text/plain"))
    #expect(metrics.body.contains("workcell_service_info{service=\"\(executable)\"} 1"))
    // The health calls above were counted by the RPC metrics interceptor.
    #expect(metrics.body.contains("grpc_server_handled_total{grpc_service=\"grpc.health.v1.Health\""))
    let ready = try await Loopback.get(port: ports[1], path: "/readyz")
    if executable == "perception" {
      // Ready only while a sensor stream delivers; alone, nothing does.
      #expect(ready.status == 503, "perception without a sensor source is not ready: \(ready.body)")
    } else {
      #expect(ready.status == 200)
    }

    let exit = await service.terminate(within: .seconds(5))
    let stopped = try #require(exit, "\(executable) still ran 5 s after SIGTERM. Log:\n\(service.log)")
    #expect(stopped.status == 0 && stopped.reason == .exit, "exit \(stopped). Log:\n\(service.log)")
    #expect(service.log.contains("\"msg\":\"serving\""), "logs are JSON lines")
  }

  @Test("--help explains the service and its WORKCELL_* settings", arguments: executables + ["workcell"])
  func help(executable: String) async throws {
    let process = try FleetProcess(executable, ["--help"])
    let status = await process.waitForExit(within: .seconds(10))
    #expect(status == 0)
    let help = process.log
    #expect(help.contains("USAGE"))
    if executable != "workcell" {
      #expect(help.contains("WORKCELL_GRPC_PORT"))
      #expect(help.contains("--shutdown-grace-s"))
    }
  }

  @Test("a bad setting is refused at start with a message naming it")
  func badSetting() async throws {
    let process = try FleetProcess("plc-bridge", ["--grpc-port", "70000"])
    let status = await process.waitForExit(within: .seconds(10))
    #expect(status != nil && status != 0)
    #expect(process.log.contains("gRPC port must be between 0 and 65535"), "log:\n\(process.log)")
  }

  @Test("workcell serve rejects an unknown target by name")
  func unknownTarget() async throws {
    let process = try FleetProcess("workcell", ["serve", "--target", "perception,mes"])
    let status = await process.waitForExit(within: .seconds(10))
    #expect(status != nil && status != 0)
    #expect(process.log.contains("Unknown service 'mes'"), "log:\n\(process.log)")
  }
}

/// `workcell serve --target all`: every service in one process, each on its own ports.
@Suite("workcell serve runs the whole fleet in one process")
struct AllInOneTests {
  @Test("all seven services report SERVING on their planned ports and stop on SIGTERM")
  func serveAll() async throws {
    let grpcBase = try Loopback.freeRange(7)
    let httpBase = try Loopback.freeRange(7)
    let fleet = try FleetProcess(
      "workcell",
      ["serve", "--target", "all", "--grpc-port-base", "\(grpcBase)", "--http-port-base", "\(httpBase)"])

    for (offset, name) in ServiceBootTests.executables.enumerated() {
      let serving = try await waitUntilServing(port: grpcBase + offset, timeout: .seconds(30))
      try #require(serving, "\(name) at port \(grpcBase + offset) did not report SERVING. Log:\n\(fleet.log)")
      let metrics = try await Loopback.get(port: httpBase + offset, path: "/metrics")
      #expect(metrics.body.contains("workcell_service_info{service=\"\(name)\"} 1"))
    }

    // Each service answers its own API on its own port. The cell (issue #6) sequences the one
    // robot this process controls (serve wires it to the left robot's control), idle until Start.
    let cell = try await withLoopbackClient(port: grpcBase + 4) {
      try await Workcell_Cell_V1_Cell.Client(wrapping: $0).getStatus(.init())
    }
    #expect(cell.robots.map(\.robot) == ["left"], "\(cell)")
    #expect(cell.robots.first?.runState == .idle, "\(cell)")
    #expect(cell.idealCycleMs == 76_000)
    await #expect("cell refuses to start a robot it does not have") {
      try await withLoopbackClient(port: grpcBase + 4) {
        _ = try await Workcell_Cell_V1_Cell.Client(wrapping: $0).start(.with { $0.robots = ["middle"] })
      }
    } throws: { error in
      (error as? RPCError)?.code == .invalidArgument
    }

    // perception, policy and control are built (issue #6, first slices): perception names what a
    // request lacks; policy serves the committed model; control without a joint bus says so.
    await #expect("perception refuses an estimate that names no robot") {
      try await withLoopbackClient(port: grpcBase + 0) {
        _ = try await Workcell_Perception_V1_Perception.Client(wrapping: $0).estimate(.init())
      }
    } throws: { error in
      (error as? RPCError)?.code == .invalidArgument
    }
    let models = try await withLoopbackClient(port: grpcBase + 1) {
      try await Workcell_Policy_V1_Policy.Client(wrapping: $0).listModels(.init())
    }
    #expect(models.activeVersion.hasPrefix("wc-mlp-"), "policy serves the committed model: \(models)")
    // control drives cell-sim's joint bus (wired by serve): once the first state datagram is in,
    // Hold is judged by the robot's mode instead of UNAVAILABLE ("no joint bus").
    var controlAnswer: RPCError.Code?
    let busDeadline = ContinuousClock.now + .seconds(15)
    repeat {
      do {
        _ = try await withLoopbackClient(port: grpcBase + 2) {
          try await Workcell_Control_V1_Control.Client(wrapping: $0).hold(.with { $0.robot = .with { $0.robot = "left" } })
        }
        controlAnswer = nil
        break
      } catch let error as RPCError {
        controlAnswer = error.code
        if error.code != .unavailable { break }
      }
      try await Task.sleep(for: .milliseconds(200))
    } while ContinuousClock.now < busDeadline
    #expect(controlAnswer != .unavailable, "control reached cell-sim's joint bus. Log:\n\(fleet.log)")

    // yield is built (issue #3): a fresh embedded store lists no cells, and a query without its
    // window is refused naming the missing field.
    let cells = try await withLoopbackClient(port: grpcBase + 5) {
      try await Workcell_Yield_V1_Yield.Client(wrapping: $0).listCells(.init())
    }
    #expect(cells.cells.isEmpty)
    await #expect("yield refuses a query without 'from'") {
      try await withLoopbackClient(port: grpcBase + 5) {
        _ = try await Workcell_Yield_V1_Yield.Client(wrapping: $0).queryYield(.init())
      }
    } throws: { error in
      let rpc = error as? RPCError
      return rpc?.code == .invalidArgument && rpc?.message.contains("'from' is required") == true
    }

    // cell-sim's world is built (issue #5): before a Reset it says what to call first.
    await #expect("cell-sim asks for a Reset before ground truth") {
      try await withLoopbackClient(port: grpcBase + 6) {
        _ = try await Workcell_Sim_V1_SimControl.Client(wrapping: $0).getGroundTruth(.init())
      }
    } throws: { error in
      let rpc = error as? RPCError
      return rpc?.code == .failedPrecondition && rpc?.message.contains("Reset") == true
    }

    // plc-bridge is built (issue #4): with no PLC configured it says so, naming what to pass.
    await #expect("plc-bridge refuses a request that names no side") {
      try await withLoopbackClient(port: grpcBase + 3) {
        _ = try await Workcell_Plc_V1_PlcBridge.Client(wrapping: $0).getIO(.with { $0.side = .left })
      }
    } throws: { error in
      let rpc = error as? RPCError
      return rpc?.code == .invalidArgument && rpc?.message.contains("--feeder and --fixture") == true
    }

    // `workcell health`, the compose/k8s probe: 0 SERVING, 1 unknown service, 2 unreachable.
    for (arguments, expected) in [
      (["--port", "\(grpcBase + 3)", "--service", "workcell.plc.v1.PlcBridge"], Int32(0)),
      (["--port", "\(grpcBase + 3)", "--service", "no.such.Service"], 1),
      (["--port", "\(try Loopback.freePorts(1)[0])", "--timeout-s", "1"], 2),
    ] {
      let probe = try FleetProcess("workcell", ["health"] + arguments)
      let status = await probe.waitForExit(within: .seconds(10))
      #expect(status == expected, "workcell health \(arguments): \(probe.log)")
    }

    let exit = await fleet.terminate(within: .seconds(5))
    let stopped = try #require(exit, "workcell serve still ran 5 s after SIGTERM. Log:\n\(fleet.log)")
    #expect(stopped.status == 0, "log:\n\(fleet.log)")
  }
}

/// `workcell serve` with plc-bridge and cell-sim wires the bridge to the simulated PLCs.
@Suite("workcell serve wires plc-bridge to cell-sim")
struct ServeWiringTests {
  @Test("a part can be requested and taken through the bridge from the simulated feeder")
  func bridgeDrivesSimulatedPLCs() async throws {
    let grpcBase = try Loopback.freeRange(7)
    let httpBase = try Loopback.freeRange(7)
    let plcBase = try Loopback.freeRange(2)
    let fleet = try FleetProcess(
      "workcell",
      ["serve", "--target", "plc-bridge,cell-sim", "--grpc-port-base", "\(grpcBase)", "--http-port-base", "\(httpBase)"],
      environment: ["WORKCELL_SIM_PLC_PORT_BASE": "\(plcBase)", "WORKCELL_SIM_PLC_TIME_SCALE": "0.05"])
    let bridgePort = grpcBase + 3
    let serving = try await waitUntilServing(port: bridgePort, timeout: .seconds(30))
    try #require(serving, "log:\n\(fleet.log)")
    let part = try await withLoopbackClient(port: bridgePort) { client in
      var options = CallOptions.defaults
      options.timeout = .seconds(5)
      let bridge = Workcell_Plc_V1_PlcBridge.Client(wrapping: client)
      let part = try await bridge.requestPart(.with { $0.side = .right }, options: options)
      _ = try await bridge.confirmPartTaken(.with { $0.side = .right }, options: options)
      return part
    }
    #expect(part.partsFed == 1, "log:\n\(fleet.log)")
    let exit = await fleet.terminate(within: .seconds(5))
    #expect(exit?.status == 0, "log:\n\(fleet.log)")
  }
}
