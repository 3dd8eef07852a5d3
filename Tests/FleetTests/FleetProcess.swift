import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization
import WorkcellProto

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif
#if canImport(Glibc)
  import Glibc
#endif

/// A built Workcell executable started as its own process, with its log captured for failure
/// messages. The tests talk to it only as a plant would: gRPC, HTTP and signals.
final class FleetProcess: @unchecked Sendable {
  // @unchecked: the Process is only used from the owning test; Process itself is thread-safe
  // for the calls made here (isRunning, terminate, terminationStatus).
  let process = Process()
  let logURL: URL
  let commandLine: String

  /// Where `swift build` put the executables: WORKCELL_BIN_DIR, else beside the test bundle.
  static var binDirectory: URL {
    if let explicit = ProcessInfo.processInfo.environment["WORKCELL_BIN_DIR"] {
      return URL(fileURLWithPath: explicit)
    }
    let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
    // The test runner may live inside an .xctest bundle directory.
    while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
    return directory
  }

  init(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws {
    let binary = Self.binDirectory.appendingPathComponent(executable)
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw FleetTestError("\(binary.path) is missing: run `swift build` before the fleet tests (scripts/test.sh does).")
    }
    logURL = FileManager.default.temporaryDirectory
      .appendingPathComponent("workcell-fleet-\(executable)-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: logURL.path, contents: nil)
    let log = try FileHandle(forWritingTo: logURL)
    process.executableURL = binary
    process.arguments = arguments
    // Tests run side by side: let each cell-sim pick free Modbus ports instead of 5020/5021.
    var environment = ProcessInfo.processInfo.environment
    environment["WORKCELL_SIM_PLC_PORT_BASE"] = environment["WORKCELL_SIM_PLC_PORT_BASE"] ?? "0"
    // yield's embedded database goes to a fresh temporary file, not the working directory.
    environment["WORKCELL_YIELD_SQLITE_PATH"] =
      environment["WORKCELL_YIELD_SQLITE_PATH"]
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("workcell-yield-\(UUID().uuidString).sqlite").path
    // The cell's outbox likewise (processes of parallel tests must not share one file).
    environment["WORKCELL_CELL_OUTBOX"] =
      environment["WORKCELL_CELL_OUTBOX"]
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("workcell-outbox-\(UUID().uuidString).sqlite").path
    environment.merge(extra) { _, new in new }
    process.environment = environment
    process.standardOutput = log
    process.standardError = log
    commandLine = ([executable] + arguments).joined(separator: " ")
    try process.run()
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    try? FileManager.default.removeItem(at: logURL)
  }

  /// The process's output so far, for failure messages.
  var log: String {
    (try? String(contentsOf: logURL, encoding: .utf8)) ?? "(no log)"
  }

  /// Sends SIGTERM and returns the exit status and how long the exit took (nil: still running
  /// after `timeout`, then killed).
  func terminate(within timeout: Duration) async -> (status: Int32, reason: Process.TerminationReason, took: Duration)? {
    let started = ContinuousClock.now
    kill(process.processIdentifier, SIGTERM)
    while process.isRunning, ContinuousClock.now - started < timeout {
      try? await Task.sleep(for: .milliseconds(20))
    }
    guard !process.isRunning else {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return nil
    }
    return (process.terminationStatus, process.terminationReason, ContinuousClock.now - started)
  }

  /// Waits for the process to exit by itself.
  func waitForExit(within timeout: Duration) async -> Int32? {
    let started = ContinuousClock.now
    while process.isRunning, ContinuousClock.now - started < timeout {
      try? await Task.sleep(for: .milliseconds(20))
    }
    return process.isRunning ? nil : process.terminationStatus
  }
}

/// A failure of the fleet tests' own set-up, with what to do about it.
struct FleetTestError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

enum Loopback {
  /// Ports tests choose from: below Linux's ephemeral range (32768+), where port-0 binds of
  /// concurrently starting processes (cell-sim's Modbus servers, clients) never land.
  static let testPorts = 20000...32000

  /// Ports already handed to a test of this process. Suites run in parallel and a port is only
  /// bound once the service under test starts, so without this two tests could be handed the
  /// same free port (or overlapping ranges) and one of them would fail with EADDRINUSE.
  private static let handedOut = Mutex<Set<Int>>([])

  /// Claims `ports` if none was handed out before and each binds now.
  private static func claim(_ ports: [Int]) -> Bool {
    handedOut.withLock { taken in
      guard ports.allSatisfy({ !taken.contains($0) && isFree($0) }) else { return false }
      taken.formUnion(ports)
      return true
    }
  }

  /// `count` distinct free TCP ports on 127.0.0.1, never handed out before in this process.
  static func freePorts(_ count: Int) throws -> [Int] {
    var ports: [Int] = []
    for _ in 0..<(count * 50) where ports.count < count {
      let port = Int.random(in: testPorts)
      if !ports.contains(port), claim([port]) { ports.append(port) }
    }
    guard ports.count == count else { throw FleetTestError("no \(count) free ports found on 127.0.0.1") }
    return ports
  }

  /// A block of `count` consecutive free ports (for `workcell serve`'s port plan), never handed
  /// out before in this process.
  static func freeRange(_ count: Int) throws -> Int {
    for _ in 0..<50 {
      let start = Int.random(in: testPorts.lowerBound...(testPorts.upperBound - count))
      if claim(Array(start..<(start + count))) { return start }
    }
    throw FleetTestError("no \(count) consecutive free ports found on 127.0.0.1")
  }

  static func isFree(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  /// GETs `path` from 127.0.0.1:`port`; returns status, content type and body.
  static func get(port: Int, path: String) async throws -> (status: Int, contentType: String, body: String) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.timeoutInterval = 5
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", String(decoding: data, as: UTF8.self))
  }
}

/// A gRPC client connection to 127.0.0.1:`port` for the duration of `body`.
func withLoopbackClient<Result: Sendable>(
  port: Int, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
  try await withGRPCClient(
    transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext),
    handleClient: body)
}

/// Polls `grpc.health.v1.Health/Check` for `service` until SERVING or `timeout` passes.
func waitUntilServing(port: Int, service: String = "", timeout: Duration) async throws -> Bool {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    let status: Grpc_Health_V1_HealthCheckResponse.ServingStatus? = try? await withLoopbackClient(port: port) { client in
      var options = CallOptions.defaults
      options.timeout = .seconds(1)
      return try await Grpc_Health_V1_Health.Client(wrapping: client)
        .check(.with { $0.service = service }, options: options).status
    }
    if status == .serving { return true }
    try await Task.sleep(for: .milliseconds(100))
  }
  return false
}
