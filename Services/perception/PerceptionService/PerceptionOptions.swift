import ArgumentParser
import Foundation
import NutPerception
import WorkcellRuntime

/// perception's own flags: where the raw sensor frames come from, which cameras and gripper
/// belong to which robot, the nut it looks for, and how fresh and how patient it is.
public struct PerceptionOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "The sensor source (cell-sim's workcell.sim.v1.SimSensors, or a sensor gateway) as HOST:PORT.",
      discussion: "Env: WORKCELL_PERCEPTION_SENSORS. Default: 127.0.0.1:50067 (cell-sim's gRPC port)."))
  var sensors: String?

  @Option(
    name: .customLong("robot"),
    help: ArgumentHelp(
      "A robot and its sensors as ROBOT=FEEDER_CAMERA,FIXTURE_CAMERA[,GRIPPER]; repeat per robot.",
      discussion:
        "Env: WORKCELL_PERCEPTION_ROBOTS (';'-separated). Default: left=left_feeder,left_fixture,right_gripper "
        + "and right=right_feeder,right_fixture,right_gripper (cell-sim's cameras; the right arm handles the nut)."))
  var robots: [String] = []

  @Option(
    help: ArgumentHelp(
      "Teeth of the nut's inner spline.", discussion: "Env: WORKCELL_PERCEPTION_NUT_TEETH. Default: 12."))
  var nutTeeth: Int?

  @Option(
    help: ArgumentHelp(
      "Outer radius of the nut, mm.", discussion: "Env: WORKCELL_PERCEPTION_NUT_OUTER_RADIUS_MM. Default: 12."))
  var nutOuterRadiusMm: Double?

  @Option(
    help: ArgumentHelp(
      "Radius of the spline's tooth tips, mm.",
      discussion: "Env: WORKCELL_PERCEPTION_NUT_SPLINE_MINOR_RADIUS_MM. Default: 4.5."))
  var nutSplineMinorRadiusMm: Double?

  @Option(
    help: ArgumentHelp(
      "Radius of the spline's tooth roots, mm.",
      discussion: "Env: WORKCELL_PERCEPTION_NUT_SPLINE_MAJOR_RADIUS_MM. Default: 6."))
  var nutSplineMajorRadiusMm: Double?

  @Option(
    help: ArgumentHelp("Height of the nut, mm.", discussion: "Env: WORKCELL_PERCEPTION_NUT_HEIGHT_MM. Default: 8."))
  var nutHeightMm: Double?

  @Option(
    help: ArgumentHelp(
      "Yaw of the pin's teeth about the cameras' output frame z, degrees: spline phase 0.",
      discussion: "Env: WORKCELL_PERCEPTION_PIN_YAW_DEG. Default: 0 (cell-sim's pins)."))
  var pinYawDeg: Double?

  @Option(
    help: ArgumentHelp(
      "A modality whose newest frame arrived longer ago than this is STALE_DATA, ms.",
      discussion: "Env: WORKCELL_PERCEPTION_MAX_FRAME_AGE_MS. Default: 500."))
  var maxFrameAgeMs: Int?

  @Option(
    help: ArgumentHelp(
      "Longest an Estimate or Refine waits for a frame when the caller set no shorter deadline, ms.",
      discussion: "Env: WORKCELL_PERCEPTION_MAX_WAIT_MS. Default: 30000."))
  var maxWaitMs: Int?

  @Option(
    help: ArgumentHelp(
      "First and longest pause between reconnects to the sensor source, ms, as MIN:MAX (doubling, ±20 % jitter).",
      discussion: "Env: WORKCELL_PERCEPTION_RECONNECT_MS. Default: 100:5000."))
  var reconnectMs: String?

  @Option(
    help: ArgumentHelp(
      "A sensor stream silent this long is closed and reopened, ms.",
      discussion: "Env: WORKCELL_PERCEPTION_STREAM_IDLE_MS. Default: 5000."))
  var streamIdleMs: Int?

  @Option(
    help: ArgumentHelp(
      "A learned tactile refinement (TacRefineNet) as a safetensors file: where the nut sits on the pads comes from it.",
      discussion:
        "Env: WORKCELL_PERCEPTION_TACTILE_MODEL. Default: none — the analytic line fit. "
        + "Train one with scripts/train-tactile.sh (docs/perception.md, \"Learned tactile refinement\")."))
  var tactileModel: String?

  public init() {}

  /// Flags merged with the environment and defaults, validated.
  func resolve(environment: [String: String]) throws -> PerceptionConfig {
    let env = EnvironmentDefaults(environment)
    let source = try SensorSource.parse(
      env.value(sensors, "WORKCELL_PERCEPTION_SENSORS", default: SensorSource.defaultText))
    var robotTexts = robots
    if robotTexts.isEmpty {
      robotTexts = (environment["WORKCELL_PERCEPTION_ROBOTS"] ?? "").split(separator: ";")
        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    let parsedRobots = try robotTexts.isEmpty ? RobotSensors.cellSimDefaults : robotTexts.map(RobotSensors.parse)
    var seen = Set<String>()
    for robot in parsedRobots where !seen.insert(robot.robot).inserted {
      throw ValidationError("--robot: robot '\(robot.robot)' is given twice.")
    }

    let reference = NutGeometry.defaults
    let geometry = NutGeometry(
      splineTeeth: try env.value(nutTeeth, "WORKCELL_PERCEPTION_NUT_TEETH", default: reference.splineTeeth),
      outerRadiusMm: try env.value(
        nutOuterRadiusMm, "WORKCELL_PERCEPTION_NUT_OUTER_RADIUS_MM", default: reference.outerRadiusMm),
      splineMinorRadiusMm: try env.value(
        nutSplineMinorRadiusMm, "WORKCELL_PERCEPTION_NUT_SPLINE_MINOR_RADIUS_MM", default: reference.splineMinorRadiusMm
      ),
      splineMajorRadiusMm: try env.value(
        nutSplineMajorRadiusMm, "WORKCELL_PERCEPTION_NUT_SPLINE_MAJOR_RADIUS_MM", default: reference.splineMajorRadiusMm
      ),
      heightMm: try env.value(nutHeightMm, "WORKCELL_PERCEPTION_NUT_HEIGHT_MM", default: reference.heightMm))
    do {
      try geometry.validate()
    } catch {
      throw ValidationError("--nut-*: \(error.message).")
    }

    let pinYaw = try env.value(pinYawDeg, "WORKCELL_PERCEPTION_PIN_YAW_DEG", default: 0)
    guard pinYaw.isFinite else { throw ValidationError("--pin-yaw-deg must be finite, got \(pinYaw).") }
    let maxAge = try env.value(maxFrameAgeMs, "WORKCELL_PERCEPTION_MAX_FRAME_AGE_MS", default: 500)
    guard (1...60_000).contains(maxAge) else {
      throw ValidationError("--max-frame-age-ms must be 1–60000, got \(maxAge).")
    }
    let maxWait = try env.value(maxWaitMs, "WORKCELL_PERCEPTION_MAX_WAIT_MS", default: 30_000)
    guard (1...600_000).contains(maxWait) else {
      throw ValidationError("--max-wait-ms must be 1–600000, got \(maxWait).")
    }
    let reconnectText = try env.value(reconnectMs, "WORKCELL_PERCEPTION_RECONNECT_MS", default: "100:5000")
    let bounds = reconnectText.split(separator: ":").compactMap { Int($0) }
    guard bounds.count == 2, bounds[0] >= 1, bounds[1] >= bounds[0], bounds[1] <= 600_000 else {
      throw ValidationError("--reconnect-ms must be MIN:MAX in ms with 1 ≤ MIN ≤ MAX ≤ 600000, got '\(reconnectText)'.")
    }
    let idle = try env.value(streamIdleMs, "WORKCELL_PERCEPTION_STREAM_IDLE_MS", default: 5000)
    guard (100...600_000).contains(idle) else {
      throw ValidationError("--stream-idle-ms must be 100–600000, got \(idle).")
    }
    var tactileNet: TactileOffsetNet?
    if let path = tactileModel ?? environment["WORKCELL_PERCEPTION_TACTILE_MODEL"], !path.isEmpty {
      do {
        tactileNet = try TactileOffsetNet(contentsOfFile: path)
      } catch {
        throw ValidationError("--tactile-model \(path): \(error.message).")
      }
    }
    return PerceptionConfig(
      source: source, robots: parsedRobots, geometry: geometry, pinYawDeg: pinYaw, tactileNet: tactileNet,
      maxFrameAge: .milliseconds(maxAge), maxWait: .milliseconds(maxWait),
      reconnect: ReconnectBackoff.Config(initial: .milliseconds(bounds[0]), maximum: .milliseconds(bounds[1])),
      streamIdle: .milliseconds(idle))
  }
}
