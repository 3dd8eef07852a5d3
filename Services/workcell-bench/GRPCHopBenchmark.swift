import ArgumentParser
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import Synchronization
import WorkcellProto

/// `workcell-bench grpc-hop`: what one gRPC hop costs between two Swift processes, unary and
/// on a stream, next to the same RPCs between a Python grpcio (C-core) server and client in the
/// same run — the anchor every hop in the fleet is judged against.
struct GRPCHopBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grpc-hop",
    abstract: "Round-trip latency of one gRPC hop (Swift↔Swift vs Python grpcio↔grpcio anchor).",
    discussion: """
      Starts `workcell-bench echo-server` as a second process and measures sequential round \
      trips: unary calls on one channel, and request→reply on one bidirectional stream. Then \
      runs scripts/bench/grpc_hop.py's grpcio server and client the same way. Needs a Python \
      with grpcio and grpcio-tools (scripts/python-env.sh makes one in .venv).
      """
  )

  @Option(help: "Measured round trips per mode.")
  var count: Int = 5000

  @Option(help: "Round trips before measuring, per mode.")
  var warmup: Int = 500

  @Option(help: "Payload bytes per message.")
  var payloadBytes: Int = 64

  @Option(help: "Python interpreter with grpcio (default: $WORKCELL_PYTHON, else .venv/bin/python, else python3).")
  var python: String?

  @Option(help: "Path of the Python side of the benchmark.")
  var hopScript: String = "scripts/bench/grpc_hop.py"

  @Flag(help: "Skip the Python anchor (prints only the Swift figures).")
  var skipPython = false

  @Flag(help: "Also measure inside this process: grpc-swift's in-process transport and HTTP/2 over loopback (what the all-in-one demo's services pay per hop).")
  var inProcess = false

  func validate() throws {
    guard count > 0, warmup >= 0, (0...4_000_000).contains(payloadBytes) else {
      throw ValidationError("--count must be > 0, --warmup >= 0, --payload-bytes in 0…4000000.")
    }
  }

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with `swift run -c release workcell-bench grpc-hop`.")
    #endif
    print("grpc-hop: \(count) round trips per mode after \(warmup) warm-up, payload \(payloadBytes) B, loopback")

    let server = try ChildProcess(
      executable: Self.ownExecutable(), arguments: ["echo-server", "--port", "0"])
    let swiftFigures: [String: LatencySummary]
    do {
      let port = try Self.readyPort(try await server.readLine(timeout: .seconds(20)), from: server)
      swiftFigures = try await measureSwift(port: port)
      await server.stop()
    } catch {
      await server.stop()
      throw error
    }
    for mode in ["unary", "stream"] {
      Self.printFigures(swiftFigures[mode]!, prefix: "grpc_hop_swift_\(mode)")
    }
    if inProcess {
      for (name, figures) in [("same_process_http2", try await measureSameProcessHTTP2()), ("in_process", try await measureInProcess())] {
        for mode in ["unary", "stream"] {
          Self.printFigures(figures[mode]!, prefix: "grpc_hop_swift_\(name)_\(mode)")
        }
      }
    }
    guard !skipPython else { return }

    let pythonFigures = try await measurePython()
    for mode in ["unary", "stream"] {
      Self.printFigures(pythonFigures[mode]!, prefix: "grpc_hop_python_\(mode)")
    }
    for mode in ["unary", "stream"] {
      let swift = swiftFigures[mode]!
      let python = pythonFigures[mode]!
      print("grpc_hop_\(mode)_p50_ratio_swift_over_python: \(Self.decimal(swift.p50Microseconds / python.p50Microseconds, 2)) x")
      print("grpc_hop_\(mode)_p99_ratio_swift_over_python: \(Self.decimal(swift.p99Microseconds / python.p99Microseconds, 2)) x")
    }
  }

  private func measureSwift(port: Int) async throws -> [String: LatencySummary] {
    try await withGRPCClient(
      transport: .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    ) { client in try await measure(client) }
  }

  /// Server and client in this process over HTTP/2 on loopback.
  private func measureSameProcessHTTP2() async throws -> [String: LatencySummary] {
    let server = GRPCServer(
      transport: HTTP2ServerTransport.Posix(
        address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
      services: [EchoService()])
    return try await withThrowingTaskGroup(of: [String: LatencySummary]?.self) { group in
      group.addTask { try await server.serve(); return nil }
      let port = try await server.transport.listeningAddress.ipv4?.port ?? 0
      let figures = try await measureSwift(port: port)
      server.beginGracefulShutdown()
      try await group.waitForAll()
      return figures
    }
  }

  /// Server and client in this process over grpc-swift's in-process transport.
  private func measureInProcess() async throws -> [String: LatencySummary] {
    let pair = InProcessTransport()
    let server = GRPCServer(transport: pair.server, services: [EchoService()])
    return try await withThrowingTaskGroup(of: [String: LatencySummary]?.self) { group in
      group.addTask { try await server.serve(); return nil }
      let figures = try await withGRPCClient(transport: pair.client) { client in try await measure(client) }
      server.beginGracefulShutdown()
      try await group.waitForAll()
      return figures
    }
  }

  private func measure<Transport: ClientTransport>(_ client: GRPCClient<Transport>) async throws -> [String: LatencySummary] {
    let payload = Data(repeating: 0x5A, count: payloadBytes)
    let total = warmup + count
    do {
      let echo = Workcell_Bench_V1_Echo.Client(wrapping: client)
      let options: CallOptions = {
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        return options
      }()

      var unary: [Duration] = []
      unary.reserveCapacity(count)
      for sequence in 0..<total {
        let started = ContinuousClock.now
        let reply = try await echo.echo(
          .with {
            $0.sequence = UInt64(sequence)
            $0.payload = payload
          }, options: options)
        let elapsed = ContinuousClock.now - started
        guard reply.sequence == UInt64(sequence) else { throw BenchError("echo answered out of order") }
        if sequence >= warmup { unary.append(elapsed) }
      }

      // One stream, one message in flight: each request waits for its reply.
      let samples = Mutex<[Duration]>([])
      let (replies, replyContinuation) = AsyncStream.makeStream(of: UInt64.self)
      var streamOptions = CallOptions.defaults
      streamOptions.timeout = .seconds(600)
      try await echo.echoStream(
        options: streamOptions,
        requestProducer: { writer in
          var iterator = replies.makeAsyncIterator()
          var measured: [Duration] = []
          measured.reserveCapacity(count)
          for sequence in 0..<total {
            let started = ContinuousClock.now
            try await writer.write(
              .with {
                $0.sequence = UInt64(sequence)
                $0.payload = payload
              })
            guard let echoed = await iterator.next() else { throw BenchError("stream ended early") }
            let elapsed = ContinuousClock.now - started
            guard echoed == UInt64(sequence) else { throw BenchError("stream answered out of order") }
            if sequence >= warmup { measured.append(elapsed) }
          }
          samples.withLock { $0 = measured }
        },
        onResponse: { response in
          for try await message in response.messages {
            replyContinuation.yield(message.sequence)
          }
          replyContinuation.finish()
        })
      return ["unary": LatencySummary(unary)!, "stream": LatencySummary(samples.withLock { $0 })!]
    }
  }

  private func measurePython() async throws -> [String: LatencySummary] {
    let interpreter = Self.pythonInterpreter(python)
    guard FileManager.default.fileExists(atPath: hopScript) else {
      throw BenchError("\(hopScript) not found: run from the repository root, or pass --hop-script.")
    }
    let server = try ChildProcess(executable: interpreter, arguments: [hopScript, "server", "--port", "0"])
    do {
      let port = try Self.readyPort(try await server.readLine(timeout: .seconds(60)), from: server)
      var figures: [String: LatencySummary] = [:]
      for mode in ["unary", "stream"] {
        let client = try ChildProcess(
          executable: interpreter,
          arguments: [
            hopScript, "client", "--port", "\(port)", "--mode", mode, "--count", "\(count)",
            "--warmup", "\(warmup)", "--payload-bytes", "\(payloadBytes)",
          ])
        let line = try await client.readLine(timeout: .seconds(600))
        _ = await client.waitForExit(timeout: .seconds(10))
        figures[mode] = try Self.decodePythonFigures(line)
      }
      await server.stop()
      return figures
    } catch {
      await server.stop()
      throw error
    }
  }

  /// The port from a `READY <port>` line.
  static func readyPort(_ line: String, from child: ChildProcess) throws -> Int {
    let words = line.split(separator: " ")
    guard words.count == 2, words[0] == "READY", let port = Int(words[1]), port > 0 else {
      throw BenchError("\(child.description) printed '\(line)' instead of 'READY <port>'.")
    }
    return port
  }

  /// The figures grpc_hop.py's client prints as one JSON line.
  static func decodePythonFigures(_ line: String) throws -> LatencySummary {
    struct Figures: Decodable {
      let count: Int
      let p50_us: Double
      let p99_us: Double
      let mean_us: Double
    }
    do {
      let figures = try JSONDecoder().decode(Figures.self, from: Data(line.utf8))
      return LatencySummary(
        count: figures.count, p50Microseconds: figures.p50_us, p99Microseconds: figures.p99_us,
        meanMicroseconds: figures.mean_us)
    } catch {
      throw BenchError("grpc_hop.py client printed '\(line)', not its JSON figures: \(error)")
    }
  }

  static func printFigures(_ summary: LatencySummary, prefix: String) {
    print("\(prefix)_p50: \(decimal(summary.p50Microseconds, 1)) us")
    print("\(prefix)_p99: \(decimal(summary.p99Microseconds, 1)) us")
    print("\(prefix)_rate: \(decimal(summary.throughputPerSecond, 0)) round_trips/s")
  }

  /// `value` with `digits` decimals, as the `metric: value unit` lines print it.
  static func decimal(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
  }

  static func pythonInterpreter(_ explicit: String?) -> String {
    if let explicit { return explicit }
    if let fromEnvironment = ProcessInfo.processInfo.environment["WORKCELL_PYTHON"] { return fromEnvironment }
    let venv = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
    return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
  }

  /// This executable's path, to start a second copy of it as the echo server.
  static func ownExecutable() throws -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    guard let path = Bundle.main.executablePath else {
      throw BenchError("cannot find this executable's own path to start the echo server")
    }
    return path
  }
}
