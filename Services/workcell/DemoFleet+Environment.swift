import Foundation
import RobotDescription

/// How the demo configures the services it runs in its process: each takes its settings as it
/// would in a container, from `WORKCELL_*` variables (its flags' defaults otherwise), so the
/// demo's services are configured exactly as the deployed ones are. One function per service
/// says what the demo sets for it and why.
extension DemoFleet {
  /// The process environment without its `WORKCELL_*` variables, plus every service's below.
  func environment() -> [String: String] {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WORKCELL_") }
    for part in [
      cellSimEnvironment(), plcBridgeEnvironment(), perceptionEnvironment(), controlEnvironment(), policyEnvironment(),
      yieldEnvironment(), cellEnvironment(),
    ] {
      env.merge(part) { _, service in service }
    }
    return env
  }

  private var local: String { "127.0.0.1" }
  /// The demo's robots in robot order, each named for the side it works: the robot
  /// description's layout ("left", then "right").
  var sides: [String] { Array(RobotDescription.reference.layout.robotIDs.prefix(settings.robots)) }

  /// cell-sim: the cell's sides, its PLCs' and joint bus's ports, the seed, full hoppers.
  func cellSimEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    env["WORKCELL_SIM_SIDES"] = sides.joined(separator: ",")
    env["WORKCELL_SIM_PLC_PORT_BASE"] = "\(plcPortBase)"
    env["WORKCELL_SIM_JOINT_BUS_PORT"] = "\(jointBusPort)"
    env["WORKCELL_SIM_SEED"] = "\(settings.seed)"
    // The line's operator keeps the hoppers topped up; the simulated feeders have no refill, so
    // the demo fills them for the longest shift (65 535 nuts, ~50 h of cycles per robot at 8 s):
    // cell-sim's default 500 ran dry 80 simulated minutes into a 3-hour shift.
    // (`--inject hopper_empty` still empties one.)
    env["WORKCELL_SIM_HOPPER"] = "\(UInt16.max)"
    // The simulated PLCs time their handshakes on the fleet's clock: a feed or a fastening takes
    // its nominal duration of simulated time.
    env["WORKCELL_SIM_PLC_TIME_SCALE"] = "1"
    return env
  }

  /// plc-bridge: the simulated feeders and fixtures, with room in its Modbus deadline.
  func plcBridgeEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    env["WORKCELL_PLC_FEEDERS"] = sides.enumerated().map { "\($1)=\(local):\(plcPortBase + $0)/1" }.joined(separator: ",")
    env["WORKCELL_PLC_FIXTURES"] = sides.enumerated().map { "\($1)=\(local):\(plcPortBase + $0)/2" }.joined(separator: ",")
    // Every service shares this process's cores with a world stepping as fast as it can: the
    // bridge's Modbus deadline gets room (a missed read opens the safety chain and halts the robot).
    env["WORKCELL_PLC_REQUEST_TIMEOUT_MS"] = "1000"
    env["WORKCELL_PLC_POLL_MS"] = "20"
    return env
  }

  /// perception: cell-sim's sensor streams, for the cell's robots only.
  func perceptionEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    env["WORKCELL_PERCEPTION_SENSORS"] = "\(local):\(port("cell-sim"))"
    // Perception follows only the cell's robots.
    let gripper = RobotDescription.reference.workingGripperName
    env["WORKCELL_PERCEPTION_ROBOTS"] = sides.map { "\($0)=\($0)_feeder,\($0)_fixture,\(gripper)" }.joined(separator: ";")
    if let tactileModel = settings.tactileModelPath { env["WORKCELL_PERCEPTION_TACTILE_MODEL"] = tactileModel }
    return env
  }

  /// control (each robot's; the demo adds WORKCELL_CONTROL_ROBOT per instance): the joint bus,
  /// its clock and watchdog, plc-bridge's safety.
  func controlEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    env["WORKCELL_CONTROL_JOINT_BUS"] = "\(local):\(jointBusPort)"
    env["WORKCELL_CONTROL_CLOCK"] = settings.realtime ? "wall" : "joint-bus"
    // The simulated bus shares this host with every service: a stall of a few hundred ms is the
    // host, not a broken cable.
    // On simulated time the bus is silent only while the whole fleet computes (time stands
    // still then): the watchdog is for a world that went away.
    env["WORKCELL_CONTROL_BUS_TIMEOUT_MS"] = settings.realtime ? "500" : "10000"
    env["WORKCELL_CONTROL_PLC_BRIDGE"] = "\(local):\(port("plc-bridge"))"
    return env
  }

  /// policy: the planner or model, canary and shadow, no batching window on simulated time.
  func policyEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    // Requests are serialized at each simulated instant: no batching window to wait out.
    env["WORKCELL_POLICY_BATCH_WINDOW_MS"] = settings.realtime ? "2" : "0"
    env["WORKCELL_POLICY_PLANNER"] = settings.scriptedPlanner ? "scripted" : "model"
    env["WORKCELL_POLICY_MODEL"] = settings.modelPath
    if !settings.canary.isEmpty { env["WORKCELL_POLICY_CANARY"] = settings.canary }
    if !settings.shadow.isEmpty { env["WORKCELL_POLICY_SHADOW"] = settings.shadow }
    return env
  }

  /// yield: `--postgres`'s database, else a SQLite file in the run directory.
  func yieldEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    if let postgres = settings.postgres {
      env["WORKCELL_YIELD_POSTGRES_DSN"] = postgres
    } else {
      env["WORKCELL_YIELD_SQLITE_PATH"] = settings.directory.appendingPathComponent("yield.sqlite").path
    }
    return env
  }

  /// cell: its robots and their controls, its peers, the simulated clock, the outbox and
  /// episodes in the run directory, and the sequencer's ablations.
  func cellEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    env["WORKCELL_CELL_ROBOTS"] = sides.map { "\($0)=\($0)" }.joined(separator: ",")
    env["WORKCELL_CELL_CONTROL"] =
      "left=\(local):\(port("control"))" + (settings.robots == 2 ? ",right=\(local):\(rightControlPort)" : "")
    env["WORKCELL_CELL_PLC_BRIDGE"] = "\(local):\(port("plc-bridge"))"
    env["WORKCELL_CELL_PERCEPTION"] = "\(local):\(port("perception"))"
    env["WORKCELL_CELL_POLICY"] = "\(local):\(port("policy"))"
    env["WORKCELL_CELL_YIELD"] = settings.externalYield?.description ?? "\(local):\(port("yield"))"
    env["WORKCELL_CELL_SIM"] = "\(local):\(port("cell-sim"))"
    env["WORKCELL_CELL_CLOCK"] = "sim"
    env["WORKCELL_CELL_OUTBOX"] = settings.directory.appendingPathComponent("outbox.sqlite").path
    env["WORKCELL_CELL_EPISODES"] = settings.episodes ?? "off"
    env["WORKCELL_CELL_EPISODES_VIDEO"] = settings.episodesVideo ? "on" : "off"
    env["WORKCELL_CELL_TOUCH"] = settings.visionOnly ? "off" : "on"
    env["WORKCELL_CELL_TACTILE_REFINE"] = settings.tactileRefine ? "on" : "off"
    env["WORKCELL_CELL_RETRIES"] = settings.retries ? "on" : "off"
    return env
  }
}
