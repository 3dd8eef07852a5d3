import Foundation

#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO
import YieldStore

/// A PostgreSQL database of its own for one benchmark run, on the server the DSN names (or on
/// one `scripts/test-db.sh` starts), dropped afterwards; and the `yield` executable on it.
struct YieldBenchDatabase {
  let adminDSN: String
  let name: String
  let admin: PostgresClient
  let runTask: Task<Void, Never>
  let startedServerDir: String?

  var dsn: String {
    var url = URLComponents(string: adminDSN)!
    url.path = "/" + name
    return url.string!
  }

  /// A database on `explicit`'s server (else $WORKCELL_TEST_POSTGRES_DSN's, else a server of its
  /// own). `durable`: the server must run as plants run it (fsync, synchronous_commit and
  /// full_page_writes on); without `explicit` the benchmark starts one (`test-db.sh --durable`)
  /// rather than use the test server, whose settings are off.
  static func create(dsn explicit: String?, durable: Bool = false, logger: Logger) async throws -> YieldBenchDatabase {
    var dsn = explicit ?? (durable ? nil : ProcessInfo.processInfo.environment["WORKCELL_TEST_POSTGRES_DSN"])
    var serverDir: String?
    if dsn == nil || dsn!.isEmpty {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yield-bench-pg-\(getpid())").path
      print("no --postgres DSN: starting\(durable ? " a durable" : "") PostgreSQL with scripts/test-db.sh in \(dir)")
      dsn = try Self.shell(["scripts/test-db.sh", "start", "--dir", dir] + (durable ? ["--durable"] : []))
        .trimmingCharacters(in: .whitespacesAndNewlines)
      serverDir = dir
    }
    // Read as yield reads the same DSN (it gets it as --postgres).
    let configuration = try PostgresYieldStore.configuration(dsn: dsn!)
    let admin = PostgresClient(configuration: configuration, backgroundLogger: logger)
    let runTask = Task { await admin.run() }
    if durable {
      var off: [String] = []
      for try await (name, value) in try await admin.query(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
        logger: logger
      ).decode((String, String).self) where value != "on" {
        off.append("\(name)=\(value)")
      }
      if !off.isEmpty {
        runTask.cancel()
        if let serverDir { _ = try? Self.shell(["scripts/test-db.sh", "stop", "--dir", serverDir]) }
        throw BenchError(
          "--durable needs a server with fsync, synchronous_commit and full_page_writes on; this one has "
            + off.joined(separator: ", ") + " (omit --postgres and the benchmark starts one)")
      }
    }
    let name = "workcell_bench_\(getpid())_\(Int(Date().timeIntervalSince1970))"
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    return YieldBenchDatabase(adminDSN: dsn!, name: name, admin: admin, runTask: runTask, startedServerDir: serverDir)
  }

  func drop(logger: Logger) async {
    // WITH (FORCE) alone failed whenever autovacuum was working on the fresh tables (terminating
    // it needs pg_signal_backend) and left the database behind; a plain DROP stops autovacuum
    // itself but fails while our own connections linger. Try both, a few times.
    attempts: for _ in 0..<10 {
      for option in ["", " WITH (FORCE)"] {
        let sql = "DROP DATABASE IF EXISTS \(name)" + option
        if (try? await admin.query(PostgresQuery(unsafeSQL: sql), logger: logger)) != nil { break attempts }
      }
      try? await Task.sleep(for: .milliseconds(500))
    }
    runTask.cancel()
    if let dir = startedServerDir { _ = try? Self.shell(["scripts/test-db.sh", "stop", "--dir", dir]) }
  }

  static func shell(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    // A file, not a pipe: the PostgreSQL server test-db.sh starts outlives it, and a pipe it
    // inherited anywhere down the line would never reach end-of-file (the benchmark hung there).
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("workcell-bench-\(getpid())-\(UUID()).out")
    guard FileManager.default.createFile(atPath: output.path, contents: nil),
      let handle = FileHandle(forWritingAtPath: output.path)
    else { throw BenchError("cannot create \(output.path)") }
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = handle
    try process.run()
    // Reaped here: Foundation's own wait (waitUntilExit) never saw test-db.sh exit while the
    // server it started lives on (the benchmark hung there whenever it started its own server).
    let pid = process.processIdentifier
    var status: Int32 = 0
    var exitCode: Int32 = -1
    while true {
      let reaped = waitpid(pid, &status, 0)
      if reaped == pid {
        exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        break
      }
      if reaped == -1, errno == EINTR { continue }
      // Foundation reaped it first.
      process.waitUntilExit()
      exitCode = process.terminationStatus
      break
    }
    try? handle.close()
    guard exitCode == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed (exit \(exitCode))") }
    return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
  }
}
