import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A helper process the benchmark starts (a Swift or Python echo server, a Python client),
/// with its stdout read line by line under a deadline.
final class ChildProcess: @unchecked Sendable {
  // @unchecked: `process` and the pipes are only touched from the benchmark's one task.
  let process = Process()
  private let output = Pipe()
  private var buffered = Data()
  let description: String

  init(executable: String, arguments: [String]) throws {
    description = ([executable] + arguments).joined(separator: " ")
    if executable.contains("/") {
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [executable] + arguments
    }
    process.standardOutput = output
    try process.run()
  }

  /// The next line of stdout, or an error once `timeout` passes or the process exits first.
  func readLine(timeout: Duration) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    let handle = output.fileHandleForReading
    while true {
      if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
        buffered.removeSubrange(buffered.startIndex...newline)
        return line
      }
      guard ContinuousClock.now < deadline else {
        throw BenchError("\(description) printed no complete line within \(timeout).")
      }
      let chunk = Self.read(handle.fileDescriptor, waitingAtMost: 50)
      if chunk.isEmpty {
        guard process.isRunning else {
          throw BenchError("\(description) exited (status \(process.terminationStatus)) before printing a line.")
        }
        await Task.yield()
      }
      buffered.append(contentsOf: chunk)
    }
  }

  /// Up to 64 KiB from `fd`, waiting at most `milliseconds` for any (poll, then read).
  private static func read(_ fd: Int32, waitingAtMost milliseconds: Int32) -> [UInt8] {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, milliseconds) > 0 else { return [] }
    var bytes = [UInt8](repeating: 0, count: 65536)
    let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
    return count > 0 ? Array(bytes[0..<count]) : []
  }

  /// Waits for exit (up to `timeout`) and returns the status; kills the process if it overruns.
  func waitForExit(timeout: Duration) async -> Int32 {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(10))
    }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    return process.terminationStatus
  }

  /// Sends SIGTERM and waits for the process to go.
  func stop() async {
    if process.isRunning { process.terminate() }
    _ = await waitForExit(timeout: .seconds(5))
  }
}

/// A benchmark that could not run, with what went wrong.
struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
