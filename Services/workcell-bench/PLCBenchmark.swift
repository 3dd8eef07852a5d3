import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ModbusProtocol
import ModbusTCP
import WorkcellProto

/// `workcell-bench plc`: Modbus TCP round trips against the simulated PLCs, and what a full
/// feeder and fixture handshake through plc-bridge adds to the PLCs' own timings.
struct PLCBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plc",
    abstract: "Modbus round trips/s against the simulated PLC; handshake latency added by plc-bridge.",
    discussion: """
      Starts cell-sim (simulated PLCs, exact timings scaled by --time-scale) and plc-bridge from \
      the same build folder as this executable (build them: swift build -c release), then \
      measures (1) sequential and pipelined Modbus reads from this process, (2) full cycles \
      RequestPart → ConfirmPartTaken → Clamp → Fasten → ReleaseFixture through the bridge, \
      against the PLCs' own time for them.
      """
  )

  @Option(help: "Seconds of Modbus reads per mode.")
  var seconds: Double = 3

  @Option(help: "Full handshake cycles through the bridge.")
  var cycles: Int = 30

  @Option(help: "Scale of the simulated PLC timings (1 = the I/O map's typical 1.5 s + 0.3 s + 3 s + 0.1 s).")
  var timeScale: Double = 0.1

  @Option(help: "Bridge poll period, ms.")
  var pollMs: Int = 10

  func validate() throws {
    guard seconds > 0, cycles > 0, timeScale > 0, (1...1000).contains(pollMs) else {
      throw ValidationError("--seconds, --cycles and --time-scale must be > 0; --poll-ms 1–1000.")
    }
  }

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with a release build.")
    #endif
    let binDirectory = URL(fileURLWithPath: try GRPCHopBenchmark.ownExecutable()).deletingLastPathComponent().path
    let ports = try (0..<4).map { _ in try FreePort.pick() }
    let (modbusPort, simGRPC, bridgeGRPC) = (ports[0], ports[1], ports[2])
    let sim = try ChildProcess(
      executable: binDirectory + "/cell-sim",
      arguments: [
        "--grpc-port", "\(simGRPC)", "--http-port", "0", "--plc-port-base", "\(modbusPort)", "--sides", "left",
        "--plc-time-scale", "\(timeScale)", "--plc-jitter", "0", "--log-level", "warning",
      ])
    let bridge = try ChildProcess(
      executable: binDirectory + "/plc-bridge",
      arguments: [
        "--grpc-port", "\(bridgeGRPC)", "--http-port", "0", "--feeder", "left=127.0.0.1:\(modbusPort)/1",
        "--fixture", "left=127.0.0.1:\(modbusPort)/2", "--poll-ms", "\(pollMs)", "--log-level", "warning",
      ])
    defer {
      kill(bridge.process.processIdentifier, SIGTERM)
      kill(sim.process.processIdentifier, SIGTERM)
    }
    print("plc: simulated PLCs at time scale \(timeScale), bridge polling every \(pollMs) ms")
    try await measureModbus(port: modbusPort)
    try await measureHandshakes(bridgePort: bridgeGRPC)
    await bridge.stop()
    await sim.stop()
  }

  private func measureModbus(port: Int) async throws {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let client = ModbusTCPClient(host: "127.0.0.1", port: port, logger: logger)
    try await withThrowingTaskGroup { group in
      group.addTask { try await client.run() }
      let deadline = ContinuousClock.now + .seconds(10)
      while client.connectionState != .connected {
        guard ContinuousClock.now < deadline else { throw BenchError("no Modbus connection to cell-sim in 10 s") }
        try await Task.sleep(for: .milliseconds(20))
      }
      let request = ModbusRequest.readDiscreteInputs(address: 0, count: 8)
      // Sequential: one request on the wire at a time, as the bridge's poll does.
      var samples: [Duration] = []
      let end = ContinuousClock.now + .seconds(seconds)
      while ContinuousClock.now < end {
        let started = ContinuousClock.now
        _ = try await client.send(request, unit: 2, timeout: .seconds(1))
        samples.append(ContinuousClock.now - started)
      }
      let sequential = LatencySummary(samples)!
      print("plc_modbus_sequential_rate: \(GRPCHopBenchmark.decimal(Double(samples.count) / seconds, 0)) round_trips/s")
      print("plc_modbus_sequential_p50: \(GRPCHopBenchmark.decimal(sequential.p50Microseconds, 1)) us")
      print("plc_modbus_sequential_p99: \(GRPCHopBenchmark.decimal(sequential.p99Microseconds, 1)) us")

      // Pipelined: four requests in flight (the client's bound), transaction ids matching answers.
      let pipelinedEnd = ContinuousClock.now + .seconds(seconds)
      let counts = try await withThrowingTaskGroup(of: Int.self) { workers in
        for _ in 0..<client.config.maxInFlight {
          workers.addTask {
            var count = 0
            while ContinuousClock.now < pipelinedEnd {
              _ = try await client.send(request, unit: 2, timeout: .seconds(1))
              count += 1
            }
            return count
          }
        }
        return try await workers.reduce(0, +)
      }
      print("plc_modbus_pipelined_rate: \(GRPCHopBenchmark.decimal(Double(counts) / seconds, 0)) round_trips/s (\(client.config.maxInFlight) in flight)")
      group.cancelAll()
    }
  }

  private func measureHandshakes(bridgePort: Int) async throws {
    // The PLCs' own time for one cycle at this scale, jitter off (SimulatedPLCConfig.defaults).
    let plcOwnMs = (1500.0 + 300 + 3000 + 100) * timeScale
    try await withGRPCClient(
      transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: bridgePort), transportSecurity: .plaintext)
    ) { client in
      let bridge = Workcell_Plc_V1_PlcBridge.Client(wrapping: client)
      var options = CallOptions.defaults
      options.timeout = .seconds(15)
      // Wait for the bridge to reach the PLCs.
      let ready = ContinuousClock.now + .seconds(15)
      while (try? await bridge.getIO(.with { $0.side = .left }, options: options).devices.allSatisfy { $0.connection == .connected }) != true {
        guard ContinuousClock.now < ready else { throw BenchError("plc-bridge did not connect to cell-sim in 15 s") }
        try await Task.sleep(for: .milliseconds(50))
      }
      try await Task.sleep(for: .milliseconds(200))
      var totals: [Duration] = []
      for _ in 0..<cycles {
        let started = ContinuousClock.now
        _ = try await bridge.requestPart(.with { $0.side = .left }, options: options)
        _ = try await bridge.confirmPartTaken(.with { $0.side = .left }, options: options)
        let clamp = try await bridge.clamp(.with { $0.side = .left; $0.seatWaitMs = 1000 }, options: options)
        guard clamp.clamped else { throw BenchError("the simulated fixture did not clamp") }
        let result = try await bridge.fasten(.with { $0.side = .left; $0.program = 1 }, options: options)
        guard result.ok else { throw BenchError("the simulated fixture gave a NOK tightening: \(result)") }
        _ = try await bridge.releaseFixture(.with { $0.side = .left }, options: options)
        totals.append(ContinuousClock.now - started)
      }
      let summary = LatencySummary(totals)!
      let p50Ms = summary.p50Microseconds / 1000, p99Ms = summary.p99Microseconds / 1000
      print("plc_cycle_plc_own_time: \(GRPCHopBenchmark.decimal(plcOwnMs, 1)) ms")
      print("plc_cycle_total_p50: \(GRPCHopBenchmark.decimal(p50Ms, 1)) ms")
      print("plc_cycle_total_p99: \(GRPCHopBenchmark.decimal(p99Ms, 1)) ms")
      print("plc_cycle_added_p50: \(GRPCHopBenchmark.decimal(p50Ms - plcOwnMs, 1)) ms (5 handshake steps, poll \(pollMs) ms)")
      print("plc_cycle_added_p99: \(GRPCHopBenchmark.decimal(p99Ms - plcOwnMs, 1)) ms")
    }
  }
}

/// Picks a free loopback TCP port (bound to 0, read back, released).
enum FreePort {
  static func pick() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard ok else { throw BenchError("bind() on 127.0.0.1 failed") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
