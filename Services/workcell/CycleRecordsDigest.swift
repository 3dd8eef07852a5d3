import Crypto
import Foundation
import WorkcellProto

/// A fingerprint of what a shift produced, to compare two runs: SHA-256 over every cycle's
/// robot, outcome, failure code, attempts, cycle and per-step durations (simulated ms), torque and
/// angle — in the order of (robot, start time). Cycle ids, model versions and calendar stamps are
/// left out, so two runs of the same build, seed and options on simulated time give the same
/// digest however loaded the machine was (docs/simulation.md).
enum CycleRecordsDigest {
  /// One record's canonical line.
  static func line(_ record: Workcell_Common_V1_CycleRecord) -> String {
    let steps = record.steps.map { "\($0.step.rawValue):\($0.durationMs):\($0.attempts)" }.joined(separator: ",")
    let torque = record.hasTorqueNm ? String(format: "%.6f", record.torqueNm) : "-"
    let angle = record.hasAngleDeg ? String(format: "%.6f", record.angleDeg) : "-"
    return "\(record.robot)|\(record.outcome.rawValue)|\(record.failureCode.rawValue)|\(record.attempts)|\(record.cycleMs)|\(steps)|\(torque)|\(angle)"
  }

  /// The digest of `records` (any order), lowercase hex.
  static func sha256(_ records: [Workcell_Common_V1_CycleRecord]) -> String {
    let ordered = records.sorted {
      ($0.robot, $0.startedAt.seconds, $0.startedAt.nanos) < ($1.robot, $1.startedAt.seconds, $1.startedAt.nanos)
    }
    var hasher = SHA256()
    for record in ordered { hasher.update(data: Data((line(record) + "\n").utf8)) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }
}
