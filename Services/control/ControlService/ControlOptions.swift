import ArgumentParser
import PlantConfig
import RobotDescription
import WorkcellRuntime

/// control's own flags: which robot, where its joint bus is, which clock, where the safety input
/// comes from.
public struct ControlOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "Robot id this process drives (one control process per robot), e.g. left.",
      discussion: "Env: WORKCELL_CONTROL_ROBOT. Default: left."))
  var robot: String?

  @Option(
    help: ArgumentHelp(
      "The robot's index on the joint bus (0 = left side, 1 = right side).",
      discussion:
        "Env: WORKCELL_CONTROL_ROBOT_INDEX. Default: from the robot's side (plant file) or its id (left → 0, right → 1)."
    ))
  var robotIndex: Int?

  @Option(
    help: ArgumentHelp(
      "The robot's joint bus as HOST:PORT (UDP, docs/joint-bus.md), e.g. cell-sim's --joint-bus-port.",
      discussion: "Env: WORKCELL_CONTROL_JOINT_BUS. Default: none (the service serves its API but drives nothing)."))
  var jointBus: String?

  @Option(
    help: ArgumentHelp(
      "How long without a state datagram before the joint bus counts as lost (fault), ms.",
      discussion: "Env: WORKCELL_CONTROL_BUS_TIMEOUT_MS. Default: 50 (a real robot's bus); a simulated bus sharing a loaded host may need more."))
  var busTimeoutMs: Int?

  @Option(
    help: ArgumentHelp(
      "Controller clock: wall (monotonic, 1 ms ticks paced by this process) or joint-bus (the state datagrams' timestamps; ticks paced by the states, for a lock-stepped simulation).",
      discussion: "Env: WORKCELL_CONTROL_CLOCK. Default: wall."))
  var clock: String?

  @Option(
    help: ArgumentHelp(
      "plc-bridge's gRPC address as HOST:PORT; its WatchSafety stream is the e-stop input.",
      discussion: "Env: WORKCELL_CONTROL_PLC_BRIDGE. Default: none (no PLC safety input; a warning is logged)."))
  var plcBridge: String?

  @Option(
    help: ArgumentHelp(
      "The execution trace: on (the loop keeps 50 Hz samples of what it measured and sent, the last 120 s, for GetTrace and the cell's episodes) or off.",
      discussion: "Env: WORKCELL_CONTROL_TRACE. Default: on. Off is for measuring what the trace costs the loop (docs/control.md)."))
  var trace: String?

  @Option(
    help: ArgumentHelp(
      "SCHED_FIFO priority of the 1 kHz loop's thread (1–99), or 0 for an ordinary thread.",
      discussion:
        "Env: WORKCELL_CONTROL_REALTIME_PRIORITY. Default: 40. Taken where the kernel permits it (root, CAP_SYS_NICE or an "
        + "RLIMIT_RTPRIO); where it does not, the loop runs as an ordinary thread and says so in its log and in "
        + "workcell_control_realtime_priority. The loop sleeps between ticks, so it never starves the host."))
  var realtimePriority: Int?

  public init() {}

  /// The settings: flags win, then `WORKCELL_CONTROL_*`, then the plant file, then defaults.
  func resolve(environment: [String: String], plantCell: PlantConfiguration.Cell? = nil) throws -> ControlConfig {
    let env = EnvironmentDefaults(environment)
    let robotID = try env.value(robot, "WORKCELL_CONTROL_ROBOT", default: "left")
    guard !robotID.isEmpty else { throw ValidationError("--robot must not be empty.") }
    let plantSide = plantCell?.robots.first(where: { $0.id == robotID })?.side.rawValue
    // The robot description's layout places "left" at index 0 and "right" at 1.
    let impliedIndex = RobotDescription.reference.layout.robotIDs.firstIndex(of: plantSide ?? robotID)
    let index = try env.value(robotIndex, "WORKCELL_CONTROL_ROBOT_INDEX", default: impliedIndex ?? -1)
    guard (0...1).contains(index) else {
      throw ValidationError(
        "--robot-index must be 0 (left) or 1 (right); robot '\(robotID)' names no side, so give --robot-index.")
    }
    let busText = try env.value(jointBus, "WORKCELL_CONTROL_JOINT_BUS", default: "")
    let bus = try busText.isEmpty ? nil : HostPort.parse(busText, flag: "--joint-bus")
    let clockText = try env.value(clock, "WORKCELL_CONTROL_CLOCK", default: "wall")
    guard let clockSource = ControlClock.Source(rawValue: clockText) else {
      throw ValidationError("--clock must be wall or joint-bus, got '\(clockText)'.")
    }
    let plcText = try env.value(plcBridge, "WORKCELL_CONTROL_PLC_BRIDGE", default: "")
    let plc = try plcText.isEmpty ? nil : HostPort.parse(plcText, flag: "--plc-bridge")
    let busTimeout = try env.value(busTimeoutMs, "WORKCELL_CONTROL_BUS_TIMEOUT_MS", default: 50)
    guard (5...10_000).contains(busTimeout) else {
      throw ValidationError("--bus-timeout-ms must be 5–10000, got \(busTimeout).")
    }
    let traceText = try env.value(trace, "WORKCELL_CONTROL_TRACE", default: "on")
    guard ["on", "off"].contains(traceText) else {
      throw ValidationError("--trace must be on or off, got '\(traceText)'.")
    }
    let priority = try env.value(realtimePriority, "WORKCELL_CONTROL_REALTIME_PRIORITY", default: 40)
    guard (0...99).contains(priority) else {
      throw ValidationError("--realtime-priority must be 0 (off) or 1–99, got \(priority).")
    }
    return ControlConfig(
      robotID: robotID, robotIndex: UInt8(index), jointBus: bus, clock: clockSource, plcBridge: plc,
      busTimeoutMs: busTimeout, trace: traceText == "on", realtimePriority: priority)
  }
}

/// control's resolved settings.
struct ControlConfig: Sendable {
  /// The robot id (EquipmentRef.robot).
  var robotID: String
  /// The robot's index on the joint bus.
  var robotIndex: UInt8
  /// The joint bus, nil when none is configured.
  var jointBus: HostPort?
  /// Which clock the controller runs on.
  var clock: ControlClock.Source
  /// plc-bridge, the safety input; nil when none.
  var plcBridge: HostPort?
  /// Joint-bus silence that counts as a lost bus, ms.
  var busTimeoutMs = 50
  /// Whether the loop records its execution trace.
  var trace = true
  /// SCHED_FIFO priority asked for the loop's thread; 0 = an ordinary thread.
  var realtimePriority = 40
}

