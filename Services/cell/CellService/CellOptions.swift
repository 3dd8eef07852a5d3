import EpisodeRecording
import ArgumentParser
import CycleSequencing
import Foundation
import PlantConfig
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime

/// cell's own flags: the cell's robots and their controllers, the peer services, the outbox, the
/// clock, and the sequencer's options (the ablations of `workcell demo` and `workcell-bench cell`).
public struct CellOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "Robots of the cell as ID=SIDE pairs, comma-separated (sides: left, right).",
      discussion: "Env: WORKCELL_CELL_ROBOTS. Default: the plant file's cell, else left=left,right=right."))
  var robots: String?

  @Option(
    help: ArgumentHelp(
      "Each robot's control service as ID=HOST:PORT, comma-separated (control runs one per robot).",
      discussion: "Env: WORKCELL_CELL_CONTROL. Default: left=127.0.0.1:50063,right=127.0.0.1:50069."))
  var control: String?

  @Option(help: ArgumentHelp("plc-bridge's gRPC address.", discussion: "Env: WORKCELL_CELL_PLC_BRIDGE. Default: 127.0.0.1:50064."))
  var plcBridge: String?

  @Option(help: ArgumentHelp("perception's gRPC address.", discussion: "Env: WORKCELL_CELL_PERCEPTION. Default: 127.0.0.1:50061."))
  var perception: String?

  @Option(help: ArgumentHelp("policy's gRPC address.", discussion: "Env: WORKCELL_CELL_POLICY. Default: 127.0.0.1:50062."))
  var policy: String?

  @Option(
    help: ArgumentHelp(
      "yield's gRPC address, where the outbox delivers cycle records.",
      discussion: "Env: WORKCELL_CELL_YIELD. Default: the plant file's yield endpoint, else 127.0.0.1:50066."))
  var yield: String?

  @Option(
    help: ArgumentHelp(
      "The outbox file (SQLite): cycle records wait there until yield acknowledged them, across restarts and outages.",
      discussion: "Env: WORKCELL_CELL_OUTBOX. Default: workcell-cell-outbox.sqlite."))
  var outbox: String?

  @Option(
    help: ArgumentHelp(
      "Directory where every cycle is written as an episode (training data, docs/episodes.md), or off.",
      discussion: "Env: WORKCELL_CELL_EPISODES. Default: workcell-episodes. `workcell episodes export` turns it into a LeRobot v3.0 dataset."))
  var episodes: String?

  @Option(
    help: ArgumentHelp(
      "Disk budget of the episode directory, GB: past it the oldest episodes are deleted first.",
      discussion: "Env: WORKCELL_CELL_EPISODES_MAX_GB. Default: 10. The metric workcell_cell_episodes_dropped_total counts them."))
  var episodesMaxGb: Double?

  @Option(
    help: ArgumentHelp(
      "Camera video in the episodes: on (the feeder and fixture cameras' image at every replan, encoded by ffmpeg as <cycle_id>.<camera>.mp4) or off.",
      discussion: "Env: WORKCELL_CELL_EPISODES_VIDEO. Default: off. Needs ffmpeg on PATH (or WORKCELL_FFMPEG); ~0.3 s of one core per cycle."))
  var episodesVideo: String?

  @Option(
    help: ArgumentHelp(
      "Clock: wall (this host's) or sim (cell-sim's WatchClock at --sim: deadlines and records in simulated time).",
      discussion: "Env: WORKCELL_CELL_CLOCK. Default: wall."))
  var clock: String?

  @Option(help: ArgumentHelp("cell-sim's gRPC address, for --clock sim.", discussion: "Env: WORKCELL_CELL_SIM. Default: 127.0.0.1:50067."))
  var sim: String?

  @Option(
    help: ArgumentHelp(
      "Touch: on (grasps judged by perception's tactile estimate) or off (vision only: a grasp is judged from the gripper's width and force, with no tactile check).",
      discussion: "Env: WORKCELL_CELL_TOUCH. Default: on."))
  var touch: String?

  @Option(
    help: ArgumentHelp(
      "Tactile refinement in the grasp check: on (iterate perception's Refine until it converges) or off (one seated/slip check).",
      discussion: "Env: WORKCELL_CELL_TACTILE_REFINE. Default: on."))
  var tactileRefine: String?

  @Option(
    help: ArgumentHelp(
      "Retries of the steps that are safe to repeat (look again, re-grasp, re-align): on or off.",
      discussion: "Env: WORKCELL_CELL_RETRIES. Default: on."))
  var retries: String?

  @Option(
    help: ArgumentHelp(
      "Start running cycles at once, N per robot (0 = until stopped); without it the cell waits for Start.",
      discussion: "Env: WORKCELL_CELL_AUTOSTART."))
  var autostart: UInt32?

  public init() {}

  func resolve(
    environment: [String: String], plant: PlantConfiguration?, plantCell: PlantConfiguration.Cell?
  ) throws -> CellConfig {
    let env = EnvironmentDefaults(environment)
    var robotList: [CellConfig.Robot] = []
    let robotsText = try env.value(self.robots, "WORKCELL_CELL_ROBOTS", default: "")
    if robotsText.isEmpty, let plantCell, !plantCell.robots.isEmpty {
      robotList = plantCell.robots.map {
        CellConfig.Robot(id: $0.id, side: $0.side.rawValue == "left" ? .left : .right, control: nil)
      }
    } else {
      for pair in (robotsText.isEmpty ? "left=left,right=right" : robotsText).split(separator: ",") {
        let parts = pair.split(separator: "=").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, let side = ["left": Workcell_Common_V1_Side.left, "right": .right][parts[1]]
        else { throw ValidationError("--robots wants ID=SIDE pairs with side left or right, got '\(pair)'.") }
        guard !robotList.contains(where: { $0.id == parts[0] || $0.side == side }) else {
          throw ValidationError("--robots names robot '\(parts[0])' or side \(parts[1]) twice (one robot works one side).")
        }
        robotList.append(.init(id: parts[0], side: side, control: nil))
      }
    }
    let controlText = try env.value(control, "WORKCELL_CELL_CONTROL", default: "left=127.0.0.1:50063,right=127.0.0.1:50069")
    for pair in controlText.split(separator: ",") {
      guard let equals = pair.firstIndex(of: "=") else {
        throw ValidationError("--control wants ID=HOST:PORT pairs, got '\(pair)'.")
      }
      let id = pair[..<equals].trimmingCharacters(in: .whitespaces)
      let address = try HostPort.parse(String(pair[pair.index(after: equals)...]), flag: "--control (\(id))")
      if let index = robotList.firstIndex(where: { $0.id == id }) { robotList[index].control = address }
    }
    for robot in robotList where robot.control == nil {
      throw ValidationError("--control gives no address for robot '\(robot.id)' (control runs one per robot).")
    }
    func address(_ value: String?, _ key: String, _ fallback: String, _ flag: String) throws -> HostPort {
      try HostPort.parse(try env.value(value, key, default: fallback), flag: flag)
    }
    let clockText = try env.value(clock, "WORKCELL_CELL_CLOCK", default: "wall")
    guard let clockSource = CellClockSource(rawValue: clockText) else {
      throw ValidationError("--clock must be wall or sim, got '\(clockText)'.")
    }
    func onOff(_ value: String?, _ key: String, _ flag: String, default fallback: String = "on") throws -> Bool {
      let text = try env.value(value, key, default: fallback)
      switch text {
      case "on", "true", "1": return true
      case "off", "false", "0": return false
      default: throw ValidationError("\(flag) must be on or off, got '\(text)'.")
      }
    }
    let yieldDefault = (plantCell?.yield ?? plant?.yield)?.grpcAddress ?? "127.0.0.1:50066"
    let autostartText = try env.value(autostart.map { "\($0)" }, "WORKCELL_CELL_AUTOSTART", default: "")
    var autostartLimit: UInt32?
    if !autostartText.isEmpty {
      guard let limit = UInt32(autostartText) else {
        throw ValidationError("--autostart must be a cycle count (0 = until stopped), got '\(autostartText)'.")
      }
      autostartLimit = limit
    }
    return CellConfig(
      plant: plant?.plant.id ?? "plant",
      line: plantCell?.lineID ?? "line-1",
      cell: plantCell?.id ?? "cell-01",
      station: "nut_install",
      idealCycleMs: plantCell?.idealCycleMs ?? 76_000,
      robots: robotList,
      plcBridge: try address(plcBridge, "WORKCELL_CELL_PLC_BRIDGE", "127.0.0.1:50064", "--plc-bridge"),
      perception: try address(perception, "WORKCELL_CELL_PERCEPTION", "127.0.0.1:50061", "--perception"),
      policy: try address(policy, "WORKCELL_CELL_POLICY", "127.0.0.1:50062", "--policy"),
      yield: try address(yield, "WORKCELL_CELL_YIELD", yieldDefault, "--yield"),
      sim: try address(sim, "WORKCELL_CELL_SIM", "127.0.0.1:50067", "--sim"),
      clock: clockSource,
      outboxPath: try env.value(outbox, "WORKCELL_CELL_OUTBOX", default: "workcell-cell-outbox.sqlite"),
      episodesPath: try { () throws -> String? in
        let path = try env.value(episodes, "WORKCELL_CELL_EPISODES", default: "workcell-episodes")
        return path == "off" || path.isEmpty ? nil : path
      }(),
      episodesMaxBytes: try { () throws -> Int64 in
        let text = try env.value(episodesMaxGb.map { "\($0)" }, "WORKCELL_CELL_EPISODES_MAX_GB", default: "10")
        guard let gb = Double(text), gb > 0, gb < 1e6 else {
          throw ValidationError("--episodes-max-gb must be a positive number of GB, got '\(text)'.")
        }
        return Int64(gb * 1e9)
      }(),
      episodesVideo: try onOff(episodesVideo, "WORKCELL_CELL_EPISODES_VIDEO", "--episodes-video", default: "off"),
      touch: try onOff(touch, "WORKCELL_CELL_TOUCH", "--touch"),
      tactileRefine: try onOff(tactileRefine, "WORKCELL_CELL_TACTILE_REFINE", "--tactile-refine"),
      retries: try onOff(retries, "WORKCELL_CELL_RETRIES", "--retries"),
      autostart: autostartLimit)
  }
}

/// The cell's resolved configuration.
struct CellConfig: Sendable {
  struct Robot: Sendable {
    var id: String
    var side: Workcell_Common_V1_Side
    var control: HostPort?
  }

  var plant: String
  var line: String
  var cell: String
  var station: String
  var idealCycleMs: Int
  var robots: [Robot]
  var plcBridge: HostPort
  var perception: HostPort
  var policy: HostPort
  var yield: HostPort
  var sim: HostPort
  var clock: CellClockSource
  var outboxPath: String
  /// Where episodes are written (nil: not recorded).
  var episodesPath: String?
  var episodesMaxBytes: Int64
  /// Record the cameras' images with each episode, as video.
  var episodesVideo: Bool
  /// The episode writer, opened at start from the three above.
  var episodes: EpisodeRecorder?
  var touch: Bool
  var tactileRefine: Bool
  var retries: Bool
  var autostart: UInt32?
  var layout = CellLayout.defaults
  /// Policy replanning period on the cell's clock (the policy was trained replanning every
  /// 5 chunk steps of 20 ms).
  var replanPeriodS = 0.1
  /// Tactile Refine calls per grasp check, each on a fresh tactile frame. Refine's correction
  /// is not applied to the grasp yet (no motion primitive takes it): the loop re-measures.
  var refineIterations = 2
  /// Reach hands over to grasp this close to the nut sideways: wider than the 5 mm the policy
  /// was trained with, because its reach settles 5–10 mm off and its grasp phase centres the
  /// fingers from there (it goes astray when kept reaching past the pre-grasp pose).
  var reachHandOverSidewaysM = 0.010
  /// How far across the pads the nut may sit from their centre and still go on the pin: the
  /// policy places the nut it sees (touch tells it where in the hand), so a few mm are carried;
  /// a grip-variation fault (±3 mm, docs/simulation.md) mostly is not.
  var graspToleranceMm = 2.5
  /// Spline phase the pin still captures (docs/simulation.md: ±4° of the nut's 30° tooth pitch).
  var alignCaptureDeg = 4.0

  /// The plan: the reference budgets, with every retry removed when retries are off.
  var plan: CyclePlan {
    var plan = CyclePlan.reference
    if !retries { plan.attemptsAllowed = [:] }
    return plan
  }
}
