/// The `cycles` columns in the order every INSERT and SELECT of both backends uses.
enum CycleColumns {
  static let names = [
    "cycle_id", "plant", "line", "cell", "robot", "station", "part_serial", "started_at", "ended_at",
    "cycle_ms", "outcome", "attempts", "failure_code", "torque_nm", "angle_deg", "model_version",
    "ideal_cycle_ms",
  ]
  static let list = names.joined(separator: ", ")

  static let stateEventNames = ["event_id", "cell", "robot", "state", "reason", "started_at", "ended_at"]
  static let stateEventList = stateEventNames.joined(separator: ", ")
}
