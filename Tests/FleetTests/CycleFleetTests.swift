import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The cycle end to end, as an operator runs it: `workcell demo` starts the whole fleet against
/// cell-sim, runs cycles, and reads the report back from the yield API. These tests read that
/// report (JSON) and check what the plant would: every cycle the cell finished is in yield with
/// its outcome and failure code, e-stops abort and recover, and a yield outage loses nothing.
@Suite("The cycle end to end: workcell demo against cell-sim")
struct CycleFleetTests {
  /// What `workcell demo --report json` printed.
  struct Report {
    var object: [String: Any]
    var cell: [String: Any] { object["cell"] as? [String: Any] ?? [:] }
    func count(_ key: String) -> Int { (cell[key] as? NSNumber)?.intValue ?? -1 }
    var cellCycles: Int { (object["cell_cycles"] as? NSNumber)?.intValue ?? -1 }
    var recoveries: Int { (object["recoveries"] as? NSNumber)?.intValue ?? -1 }
    var pareto: [String: Int] {
      var codes: [String: Int] = [:]
      for row in object["pareto"] as? [[String: Any]] ?? [] {
        codes[row["failure_code"] as? String ?? "?"] = (row["count"] as? NSNumber)?.intValue ?? 0
      }
      return codes
    }
  }

  /// Runs the demo with `arguments` (one robot, its own ports and run directory) to the end.
  static func demo(_ arguments: [String], timeout: Duration = .seconds(600)) async throws -> Report {
    let base = try Loopback.freeRange(14)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("workcell-demo-test-\(UUID().uuidString)")
    let process = try FleetProcess(
      "workcell",
      ["demo", "--robots", "1", "--report", "json", "--grpc-port-base", "\(base)", "--run-directory", directory.path]
        + arguments)
    defer { try? FileManager.default.removeItem(at: directory) }
    let status = await process.waitForExit(within: timeout)
    let fleetLog = (try? String(contentsOf: directory.appendingPathComponent("fleet.log"), encoding: .utf8)) ?? ""
    try #require(status != nil, "workcell demo still running after \(timeout). Output:\n\(process.log)")
    try #require(status == 0, "workcell demo exited with \(status!). Output:\n\(process.log)\nfleet.log tail:\n\(fleetLog.suffix(4000))")
    guard let line = process.log.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { throw FleetTestError("workcell demo printed no JSON report. Output:\n\(process.log)") }
    return Report(object: object)
  }

  @Test("A short shift: every cycle the cell finished is in yield, classified")
  func shortShift() async throws {
    let report = try await Self.demo(["--cycles", "3"])
    #expect(report.cellCycles == 3)
    #expect(report.count("cycles") == 3, "yield holds \(report.count("cycles")) cycles: \(report.object)")
    #expect(report.count("ok") + report.count("nok") + report.count("aborted") == 3)
    // Every failed cycle carries a failure code: the Pareto accounts for all of them.
    #expect(report.pareto.values.reduce(0, +) == report.count("nok") + report.count("aborted"), "\(report.object)")
    #expect(report.object["model_version"] as? String == "scripted-planner-4")
    #expect(report.object["planner"] as? String == "scripted")
  }

  @Test("Injected faults show up with their failure codes")
  func injectedFaults() async throws {
    // A feeder jam latches FEEDER_FAULT: the cycle fails with plc_fault, the robot halts, and the
    // operator's reset (Start) clears it for the next cycle.
    let jam = try await Self.demo(["--cycles", "2", "--inject", "feeder_jam"])
    #expect(jam.pareto["plc_fault"] ?? 0 >= 1, "\(jam.object)")
    #expect(jam.recoveries >= 1, "\(jam.object)")
    #expect(jam.count("cycles") == 2, "\(jam.object)")
    // Cameras that never see the nut (an occluder over the whole frame, every frame): the look
    // fails three times and the cycle is vision_lost.
    let blind = try await Self.demo(["--cycles", "1", "--inject", "camera_occlusion:1"])
    #expect(blind.pareto == ["vision_lost": 1], "\(blind.object)")
  }

  @Test("An e-stop mid-cycle aborts the cycle, stops the robot, and it recovers after reset")
  func estopMidCycle() async throws {
    let report = try await Self.demo(["--cycles", "3", "--estop-at", "3"])
    #expect(report.pareto["estop"] ?? 0 >= 1, "\(report.object)")
    #expect(report.count("aborted") >= 1, "\(report.object)")
    #expect(report.recoveries >= 1, "\(report.object)")
    // After the reset the robot ran its remaining cycles.
    #expect(report.count("cycles") == 3, "\(report.object)")
  }

  @Test(
    "Simulated time: the same seed gives the same cycle records, on an idle machine and beside two busy loops",
    arguments: [["--robots", "1", "--planner", "scripted"], ["--robots", "2", "--planner", "model"]])
  func reproducible(options: [String]) async throws {
    let arguments = ["--cycles", "2", "--seed", "3"] + options
    let quiet = try await Self.demo(arguments)
    // Two processes spinning on the CPU (this machine has two cores): every service now computes
    // in wall time that is several times longer, and nothing of it may leak into the shift.
    let hogs = try (0..<2).map { _ in
      let hog = Process()
      hog.executableURL = URL(fileURLWithPath: "/bin/sh")
      hog.arguments = ["-c", "while :; do :; done"]
      try hog.run()
      return hog
    }
    defer {
      for hog in hogs {
        // SIGKILL: a shell spinning in a loop is not reliably ended by SIGTERM from here.
        kill(hog.processIdentifier, SIGKILL)
        hog.waitUntilExit()
      }
    }
    let loaded = try await Self.demo(arguments)
    let digest = try #require(quiet.object["records_sha256"] as? String)
    #expect(digest.count == 64)
    #expect(loaded.object["records_sha256"] as? String == digest, "quiet \(quiet.object)\nloaded \(loaded.object)")
    #expect(quiet.cellCycles == loaded.cellCycles)
  }

  @Test(
    "Simulated time: on one thread, on the thread pool and over the network (UDP joint bus, HTTP/2, Modbus TCP) the fleet gives the same cycle records"
  )
  func networkAndInProcessLinks() async throws {
    let arguments = ["--cycles", "2", "--seed", "4"]
    let oneThread = try await Self.demo(arguments)
    let pool = try await Self.demo(arguments + ["--thread-pool"])
    let network = try await Self.demo(arguments + ["--udp-joint-bus", "--grpc-over-network"])
    let digest = try #require(oneThread.object["records_sha256"] as? String)
    #expect(pool.object["records_sha256"] as? String == digest, "one thread \(oneThread.object)\npool \(pool.object)")
    #expect(network.object["records_sha256"] as? String == digest, "one thread \(oneThread.object)\nnetwork \(network.object)")
    #expect(oneThread.cellCycles == 2)
  }

  @Test("Killing yield mid-shift loses no cycle record")
  func yieldOutage() async throws {
    let ports = try Loopback.freePorts(2)
    let database = FileManager.default.temporaryDirectory.appendingPathComponent("workcell-outage-\(UUID().uuidString).sqlite")
    defer { try? FileManager.default.removeItem(at: database) }
    let arguments = [
      "--host", "127.0.0.1", "--grpc-port", "\(ports[0])", "--http-port", "\(ports[1])", "--sqlite-path", database.path,
    ]
    var yield = try FleetProcess("yield", arguments)
    try #require(try await waitUntilServing(port: ports[0], timeout: .seconds(30)), "yield did not start:\n\(yield.log)")
    async let report = Self.demo(["--cycles", "4", "--yield", "127.0.0.1:\(ports[0])"])
    // Kill yield (no goodbye) while the shift runs; bring it back on the same file 15 s later.
    try await Task.sleep(for: .seconds(8))
    kill(yield.process.processIdentifier, SIGKILL)
    yield.process.waitUntilExit()
    try await Task.sleep(for: .seconds(15))
    yield = try FleetProcess("yield", arguments)
    try #require(try await waitUntilServing(port: ports[0], timeout: .seconds(30)), "yield did not restart:\n\(yield.log)")
    let shift = try await report
    defer { kill(yield.process.processIdentifier, SIGKILL) }
    #expect(shift.cellCycles == 4)
    #expect(shift.count("cycles") == shift.cellCycles, "yield holds \(shift.count("cycles")) of the cell's \(shift.cellCycles) cycles")
  }
}
