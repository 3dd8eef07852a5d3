import Foundation
import GRPCCore
import Logging
import WorkcellProto
import WorkcellRuntime

@testable import CellService

/// One robot's cycle run by the cell's own `RobotCycleRunner` against the fakes of `FakeCell`,
/// every hop over grpc-swift's in-process transport (the demo's `InProcessGRPC`): the real
/// clients, the real `RobotFeed` (GetState, the Execute stream) and `SafetyWatch` (WatchSafety).
enum CycleHarness {
  /// Ports the fakes answer on in this process (never bound: nothing listens on the network).
  enum Port {
    static let perception = 59_061
    static let policy = 59_062
    static let control = 59_063
    static let plcBridge = 59_064
    static let yield = 59_066
    static let sim = 59_067
  }

  struct Outcome {
    var result: RobotCycleRunner.Result
    var cell: FakeCell
  }

  /// The cell's configuration for one robot (`left`) on the left side, its peers on the ports above.
  static func config() throws -> CellConfig {
    let local = "127.0.0.1"
    return try CellOptions.parse([]).resolve(
      environment: [
        "WORKCELL_CELL_ROBOTS": "left=left",
        "WORKCELL_CELL_CONTROL": "left=\(local):\(Port.control)",
        "WORKCELL_CELL_PLC_BRIDGE": "\(local):\(Port.plcBridge)",
        "WORKCELL_CELL_PERCEPTION": "\(local):\(Port.perception)",
        "WORKCELL_CELL_POLICY": "\(local):\(Port.policy)",
        "WORKCELL_CELL_YIELD": "\(local):\(Port.yield)",
        "WORKCELL_CELL_SIM": "\(local):\(Port.sim)",
        "WORKCELL_CELL_EPISODES": "off",
      ], plant: nil, plantCell: nil)
  }

  /// Runs one cycle as `script` has the peers behave. With `estopOpen` the safety chain opens
  /// (and the runner has seen it) before the cycle starts.
  static func run(_ script: FakeCell.Script, estopOpen: Bool = false) async throws -> Outcome {
    let cell = FakeCell(script)
    let config = try config()
    let inProcess = InProcessGRPC(
      ports: [Port.perception, Port.policy, Port.control, Port.plcBridge, Port.yield, Port.sim])
    let logger = Logger(label: "cell-service-tests") { _ in SwiftLogNoOpLogHandler() }
    let peers = try CellPeers(config, inProcessGRPC: inProcess)
    guard let robot = config.robots.first else { throw HarnessError(description: "the configuration has no robot") }
    let equipment = CellSequencer.equipment(config, robot.id)
    let feed = RobotFeed(robot: equipment, control: try peers.control(robot.id), logger: logger)
    let safety = SafetyWatch(plcBridge: peers.plcBridge, logger: logger)
    let runner = RobotCycleRunner(
      config: config, robot: robot, equipment: equipment, peers: peers, feed: feed, safety: safety,
      clock: CellClock(source: .wall), slot: RobotSlot(robot: robot.id), logger: logger)
    let servers = [
      inProcess.servers(port: Port.perception, services: [FakePerception(cell: cell)], interceptors: []),
      inProcess.servers(port: Port.policy, services: [FakePolicy(cell: cell)], interceptors: []),
      inProcess.servers(port: Port.control, services: [FakeControl(cell: cell)], interceptors: []),
      inProcess.servers(port: Port.plcBridge, services: [FakePlcBridge(cell: cell)], interceptors: []),
    ]
    return try await withThrowingTaskGroup(of: Void.self, returning: Outcome.self) { group in
      for server in servers { group.addTask { try await server.run() } }
      group.addTask { await peers.run() }
      group.addTask { await safety.run() }
      group.addTask { await feed.run() }
      defer {
        peers.close()
        group.cancelAll()
      }
      try await waitUntil("plc-bridge reports the left side's chain closed") { safety.estopOK(.left) }
      if estopOpen {
        cell.estopOK = false
        try await waitUntil("the cell sees the chain open") { !safety.estopOK(.left) }
      }
      var sequence: UInt64 = 0
      let result = await runner.runCycle(sequence: &sequence)
      return Outcome(result: result, cell: cell)
    }
  }

  /// Polls `condition` until it holds, for at most 10 s of wall time.
  static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
      guard ContinuousClock.now < deadline else { throw HarnessError(description: "timed out waiting until \(what)") }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  struct HarnessError: Error, CustomStringConvertible {
    var description: String
  }
}
