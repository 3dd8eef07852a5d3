import Foundation
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// What `workcell cell` prints: a table for people, or JSON (snake_case, the yield API's spellings).
enum CellReport {
  /// The cell's last cycles, as far as yield could tell.
  enum LastCycles: Sendable {
    case skipped
    case cycles([Workcell_Common_V1_CycleRecord], from: HostPort)
    case unavailable(String)
  }

  // MARK: - names

  static func name(_ state: Workcell_Cell_V1_RunState) -> String {
    switch state {
    case .idle: "idle"
    case .running: "running"
    case .pausing: "pausing"
    case .paused: "paused"
    case .stopping: "stopping"
    case .faulted: "faulted"
    default: "unknown"
    }
  }

  /// A cycle step in snake_case (`grasp_check`); "" between cycles.
  static func name(_ step: Workcell_Common_V1_CycleStep) -> String {
    guard step != .unspecified else { return "" }
    var out = ""
    for character in String(describing: step) {
      if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
    }
    return out
  }

  static func side(_ side: Workcell_Common_V1_Side) -> String {
    switch side {
    case .left: "left"
    case .right: "right"
    default: "-"
    }
  }

  static func time(_ stamp: Google_Protobuf_Timestamp) -> String { RFC3339Text.format(stamp.date) }

  // MARK: - text

  static func text(status: Workcell_Cell_V1_GetStatusResponse, at cell: CellAddress, lastCycles: LastCycles) -> String {
    let equipment = status.cell
    var lines = [
      "cell \(equipment.cell.isEmpty ? cell.id : equipment.cell) · plant \(equipment.plant) · line \(equipment.line) · station \(equipment.station) · takt \(String(format: "%.1f s", Double(status.idealCycleMs) / 1000)) · at \(cell.address)"
    ]
    lines += table(status.robots)
    let backlog = status.robots.reduce(0) { $0 + Int($1.outboxDepth) }
    if status.hasOutboxOldestAt {
      lines.append("outbox: \(backlog) record(s) not yet acknowledged by yield, oldest from \(time(status.outboxOldestAt))")
    } else {
      lines.append("outbox: empty (yield has every cycle)")
    }
    switch lastCycles {
    case .skipped: break
    case .unavailable(let why): lines.append("last cycles: unknown (\(why))")
    case .cycles(let cycles, let yield):
      lines.append("last cycles (from yield at \(yield)):" + (cycles.isEmpty ? " none yet" : ""))
      for record in cycles {
        let outcome = record.outcome.apiName ?? "?"
        let failure = record.failureCode.apiName.map { " \($0)" } ?? ""
        lines.append(
          "  \(time(record.endedAt))  \(record.robot.padded(6)) \((outcome + failure).padded(24)) attempts \(record.attempts)  \(String(format: "%.1f s", Double(record.cycleMs) / 1000))  \(record.modelVersion)")
      }
    }
    return lines.joined(separator: "\n")
  }

  static func table(_ robots: [Workcell_Cell_V1_RobotStatus]) -> [String] {
    var rows = [["ROBOT", "SIDE", "STATE", "STEP", "CYCLES", "OK", "LAST CYCLE", "SAFETY", "OUTBOX"]]
    for robot in robots {
      let last: String
      if robot.cyclesDone == 0 {
        last = "-"
      } else {
        let outcome = robot.lastOutcome.apiName ?? "?"
        last = [outcome, robot.lastFailureCode.apiName ?? "", String(format: "%.1f s", Double(robot.lastCycleMs) / 1000)]
          .filter { !$0.isEmpty }.joined(separator: " ")
      }
      let safety = robot.safety.estopOk ? "closed" : "open" + (robot.safety.reason.isEmpty ? "" : ": \(robot.safety.reason)")
      rows.append([
        robot.robot, side(robot.side), name(robot.runState), name(robot.step).isEmpty ? "-" : name(robot.step),
        "\(robot.cyclesDone)", "\(robot.cyclesOk)", last, safety, "\(robot.outboxDepth)",
      ])
    }
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { $1.padded(widths[$0]) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
  }

  static func transition(_ verb: String, robots: [Workcell_Cell_V1_RobotStatus], at cell: CellAddress, json: Bool) -> String {
    if json {
      return serialized(["action": verb, "cell": cell.id, "address": cell.address.description, "robots": robots.map(object)])
    }
    return (["\(verb): \(robots.map { "\($0.robot) → \(name($0.runState))" }.joined(separator: ", "))"] + table(robots))
      .joined(separator: "\n")
  }

  // MARK: - JSON

  static func json(status: Workcell_Cell_V1_GetStatusResponse, at cell: CellAddress, lastCycles: LastCycles) -> String {
    var object: [String: Any] = [
      "cell": status.cell.cell.isEmpty ? cell.id : status.cell.cell, "plant": status.cell.plant, "line": status.cell.line,
      "station": status.cell.station, "address": cell.address.description, "ideal_cycle_ms": status.idealCycleMs,
      "robots": status.robots.map(object),
      "outbox_records": status.robots.reduce(0) { $0 + Int($1.outboxDepth) },
      "outbox_oldest_at": status.hasOutboxOldestAt ? time(status.outboxOldestAt) : NSNull(),
    ]
    switch lastCycles {
    case .skipped: break
    case .unavailable(let why): object["last_cycles_error"] = why
    case .cycles(let cycles, _):
      object["last_cycles"] = cycles.map { record -> [String: Any] in
        [
          "cycle_id": record.cycleID, "robot": record.robot, "ended_at": time(record.endedAt),
          "outcome": record.outcome.apiName ?? "", "failure_code": record.failureCode.apiName ?? "",
          "attempts": record.attempts, "cycle_ms": record.cycleMs, "model_version": record.modelVersion,
        ]
      }
    }
    return serialized(object)
  }

  static func object(_ robot: Workcell_Cell_V1_RobotStatus) -> [String: Any] {
    [
      "robot": robot.robot, "side": side(robot.side), "run_state": name(robot.runState), "step": name(robot.step),
      "step_started_at": robot.hasStepStartedAt && robot.step != .unspecified ? time(robot.stepStartedAt) : NSNull(),
      "cycle_id": robot.cycleID, "cycles_done": robot.cyclesDone, "cycles_ok": robot.cyclesOk,
      "last_outcome": robot.lastOutcome.apiName ?? NSNull(), "last_failure_code": robot.lastFailureCode.apiName ?? "",
      "last_cycle_ms": robot.lastCycleMs, "outbox_records": robot.outboxDepth,
      "safety": ["estop_ok": robot.safety.estopOk, "interlocks_ok": robot.safety.interlocksOk, "reason": robot.safety.reason],
    ]
  }

  static func serialized(_ object: [String: Any]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}

/// RFC 3339 UTC with milliseconds, as the yield API writes times.
enum RFC3339Text {
  static func format(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }
}

extension String {
  fileprivate func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
