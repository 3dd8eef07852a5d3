import ArgumentParser
import NutPerception
import RobotDescription

/// perception's settings after flags, environment and defaults were merged.
struct PerceptionConfig: Sendable {
  /// Where the raw sensor frames come from.
  var source: SensorSource
  /// The robots served, with their cameras and gripper.
  var robots: [RobotSensors]
  /// The nut looked for.
  var geometry: NutGeometry
  /// Yaw of the pin's teeth in the cameras' output frame (spline phase 0), degrees.
  var pinYawDeg: Double
  /// The learned tactile refinement, when one was given (nil: the analytic line fit).
  var tactileNet: TactileOffsetNet? = nil
  /// Older frames make their modality STALE_DATA (age = time since the frame arrived).
  var maxFrameAge: Duration
  /// Longest wait for a frame when the caller's deadline is longer (or unset).
  var maxWait: Duration
  /// Pauses between reconnects.
  var reconnect: ReconnectBackoff.Config
  /// A stream silent this long is reopened.
  var streamIdle: Duration

  /// The robot named `id`, if served.
  func robot(_ id: String) -> RobotSensors? { robots.first { $0.robot == id } }
}

/// The sensor source's address, `HOST:PORT`.
struct SensorSource: Sendable, Hashable, CustomStringConvertible {
  static let defaultText = "127.0.0.1:50067"
  var host: String
  var port: Int

  var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  static func parse(_ text: String) throws -> SensorSource {
    let usage = "--sensors '\(text)': expected HOST:PORT, e.g. 127.0.0.1:50067 (cell-sim's gRPC port)."
    guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
      let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
    else { throw ValidationError(usage) }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw ValidationError(usage) }
    return SensorSource(host: host, port: port)
  }
}

/// One robot and the sensors perception reads for it.
struct RobotSensors: Sendable, Hashable {
  /// Robot id within the cell, e.g. "left" (as `EquipmentRef.robot` names it).
  var robot: String
  /// Camera over the feeder's pick position (PERCEIVE_PART).
  var feederCamera: String
  /// Camera over the fixture's pin (ALIGN, INSERT).
  var fixtureCamera: String
  /// The gripper that handles the nut: its fingers are `GRIPPER/finger_a` and `GRIPPER/finger_b`.
  var gripper: String

  var fingerA: String { "\(gripper)/finger_a" }
  var fingerB: String { "\(gripper)/finger_b" }

  /// cell-sim's cell (the robot description's): per robot a feeder and a fixture camera named
  /// for it; the working (right) arm's gripper handles the nut.
  static let cellSimDefaults = RobotDescription.reference.layout.robotIDs.map { robot in
    RobotSensors(
      robot: robot, feederCamera: "\(robot)_feeder", fixtureCamera: "\(robot)_fixture",
      gripper: RobotDescription.reference.workingGripperName)
  }

  /// Parses `ROBOT=FEEDER_CAMERA,FIXTURE_CAMERA[,GRIPPER]` (gripper default `right_gripper`).
  static func parse(_ text: String) throws -> RobotSensors {
    let usage =
      "--robot '\(text)': expected ROBOT=FEEDER_CAMERA,FIXTURE_CAMERA[,GRIPPER], e.g. left=left_feeder,left_fixture,right_gripper."
    let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError(usage) }
    let sensors = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard (2...3).contains(sensors.count), sensors.allSatisfy({ !$0.isEmpty }) else { throw ValidationError(usage) }
    return RobotSensors(
      robot: parts[0], feederCamera: sensors[0], fixtureCamera: sensors[1],
      gripper: sensors.count == 3 ? sensors[2] : RobotDescription.reference.workingGripperName)
  }
}
