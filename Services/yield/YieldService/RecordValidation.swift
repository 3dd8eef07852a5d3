import Foundation
import YieldKPI
import YieldStore

/// One thing wrong with one record of a batch: which record, which field (`snake_case`), what.
struct FieldProblem: Sendable, Hashable {
  var index: Int
  var field: String
  var problem: String
}

/// A batch refused as a whole: every problem found (up to a bound), nothing stored.
struct BatchRejection: Error, Sendable {
  var problems: [FieldProblem]
  /// A one-line summary naming the first problems, for gRPC status messages and logs.
  var summary: String {
    let shown = problems.prefix(5).map { "record \($0.index), field \($0.field): \($0.problem)" }
    let more = problems.count > 5 ? " (and \(problems.count - 5) more)" : ""
    return "Nothing of the batch was stored: " + shown.joined(separator: "; ") + more
  }
}

/// The limits of one ingest request (docs/yield-api.md: at most 10 000 records per POST).
enum IngestLimits {
  static let recordsPerBatch = 10_000
  /// Records per streamed ReportCycles call (stored as one all-or-nothing batch).
  static let recordsPerStream = 1_000_000
  /// Problems reported per rejected batch; the rest are counted.
  static let problemsReported = 100
  /// How far `cycle_ms` may be from `ended_at − started_at`.
  static let cycleMsToleranceMs = 1_000
  /// Longest text field accepted.
  static let textLength = 200

  /// More than ``textLength`` characters? Counting characters walks the grapheme clusters, so
  /// text of at most that many UTF-8 bytes (nearly all) is passed without counting.
  static func isTooLong(_ value: String) -> Bool {
    value.utf8.count > textLength && value.count > textLength
  }
}

/// The API's record rules, in one place for REST and gRPC.
enum RecordValidation {
  /// Validates a whole batch: the rows to store, or every problem (nothing is stored then).
  static func cycles(_ drafts: [CycleDraft]) -> Result<[CycleRow], BatchRejection> {
    var rows: [CycleRow] = []
    rows.reserveCapacity(drafts.count)
    var problems: [FieldProblem] = []
    for (index, draft) in drafts.enumerated() {
      var found: [(String, String)] = draft.readProblems
      if let row = cycle(draft, problems: &found) {
        rows.append(row)
      }
      for (field, problem) in found where problems.count < IngestLimits.problemsReported {
        problems.append(FieldProblem(index: index, field: field, problem: problem))
      }
    }
    return problems.isEmpty ? .success(rows) : .failure(BatchRejection(problems: problems))
  }

  /// Validates a batch of state events.
  static func stateEvents(_ drafts: [StateEventDraft]) -> Result<[StateEventRow], BatchRejection> {
    var rows: [StateEventRow] = []
    var problems: [FieldProblem] = []
    for (index, draft) in drafts.enumerated() {
      var found: [(String, String)] = draft.readProblems
      if let row = stateEvent(draft, problems: &found) { rows.append(row) }
      for (field, problem) in found where problems.count < IngestLimits.problemsReported {
        problems.append(FieldProblem(index: index, field: field, problem: problem))
      }
    }
    return problems.isEmpty ? .success(rows) : .failure(BatchRejection(problems: problems))
  }

  static func cycle(_ draft: CycleDraft, problems: inout [(String, String)]) -> CycleRow? {
    let failedBefore = Set(problems.map(\.0))
    let cycleID = uuid(draft.cycleID, field: "cycle_id", skip: failedBefore, problems: &problems)
    let plant = text(draft.plant, field: "plant", skip: failedBefore, problems: &problems)
    let line = text(draft.line, field: "line", skip: failedBefore, problems: &problems)
    let cell = text(draft.cell, field: "cell", skip: failedBefore, problems: &problems)
    let robot = text(draft.robot, field: "robot", skip: failedBefore, problems: &problems)
    let station = text(draft.station, field: "station", skip: failedBefore, problems: &problems)
    let modelVersion = text(draft.modelVersion, field: "model_version", skip: failedBefore, problems: &problems)
    if let serial = draft.partSerial, IngestLimits.isTooLong(serial) {
      problems.append(("part_serial", "longer than \(IngestLimits.textLength) characters"))
    }
    let startedAt = required(draft.startedAt, field: "started_at", skip: failedBefore, problems: &problems)
    let endedAt = required(draft.endedAt, field: "ended_at", skip: failedBefore, problems: &problems)
    if let startedAt, let endedAt, endedAt < startedAt {
      problems.append(("ended_at", "is before started_at"))
    }
    let cycleMs = required(draft.cycleMs, field: "cycle_ms", skip: failedBefore, problems: &problems)
    if let cycleMs {
      if cycleMs < 0 {
        problems.append(("cycle_ms", "must be ≥ 0, got \(cycleMs)"))
      } else if let startedAt, let endedAt, endedAt >= startedAt {
        let spanMs = Int((endedAt.timeIntervalSince(startedAt) * 1000).rounded())
        if abs(spanMs - cycleMs) > IngestLimits.cycleMsToleranceMs {
          problems.append(
            ("cycle_ms", "is \(cycleMs) but ended_at − started_at is \(spanMs) ms (allowed difference \(IngestLimits.cycleMsToleranceMs) ms)"))
        }
      }
    }
    var outcome: CycleOutcome?
    if let raw = required(draft.outcome, field: "outcome", skip: failedBefore, problems: &problems) {
      outcome = CycleOutcome(rawValue: raw)
      if outcome == nil { problems.append(("outcome", "must be ok, nok or aborted, got '\(raw)'")) }
    }
    let attempts = required(draft.attempts, field: "attempts", skip: failedBefore, problems: &problems)
    if let attempts, attempts < 1 { problems.append(("attempts", "must be ≥ 1, got \(attempts)")) }
    var failureCode: FailureCode?
    let rawCode = draft.failureCode ?? ""
    if failedBefore.isEmpty || !failedBefore.contains("failure_code") {
      if rawCode.isEmpty {
        if let outcome, outcome != .ok {
          problems.append(("failure_code", "is required when outcome is \(outcome.rawValue): one of \(FailureCode.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
      } else if let code = FailureCode(rawValue: rawCode) {
        if outcome == .ok {
          problems.append(("failure_code", "must be empty when outcome is ok, got '\(rawCode)'"))
        }
        failureCode = code
      } else {
        problems.append(("failure_code", "unknown code '\(rawCode)'; one of \(FailureCode.allCases.map(\.rawValue).joined(separator: ", "))"))
      }
    }
    if let value = draft.torqueNm, !value.isFinite { problems.append(("torque_nm", "must be a finite number")) }
    if let value = draft.angleDeg, !value.isFinite { problems.append(("angle_deg", "must be a finite number")) }
    let idealCycleMs = required(draft.idealCycleMs, field: "ideal_cycle_ms", skip: failedBefore, problems: &problems)
    if let idealCycleMs, idealCycleMs <= 0 {
      problems.append(("ideal_cycle_ms", "must be > 0, got \(idealCycleMs)"))
    }
    guard problems.isEmpty, let cycleID, let plant, let line, let cell, let robot, let station, let startedAt,
      let endedAt, let cycleMs, let outcome, let attempts, let modelVersion, let idealCycleMs
    else { return nil }
    return CycleRow(
      cycleID: cycleID, plant: plant, line: line, cell: cell, robot: robot, station: station,
      partSerial: draft.partSerial.flatMap { $0.isEmpty ? nil : $0 }, startedAt: startedAt, endedAt: endedAt,
      cycleMs: cycleMs, outcome: outcome.rawValue, attempts: attempts, failureCode: failureCode?.rawValue,
      torqueNm: draft.torqueNm, angleDeg: draft.angleDeg, modelVersion: modelVersion, idealCycleMs: idealCycleMs)
  }

  static func stateEvent(_ draft: StateEventDraft, problems: inout [(String, String)]) -> StateEventRow? {
    let failedBefore = Set(problems.map(\.0))
    let eventID = uuid(draft.eventID, field: "event_id", skip: failedBefore, problems: &problems)
    let cell = text(draft.cell, field: "cell", skip: failedBefore, problems: &problems)
    if let robot = draft.robot, robot.count > IngestLimits.textLength {
      problems.append(("robot", "longer than \(IngestLimits.textLength) characters"))
    }
    var state: MachineState?
    if let raw = required(draft.state, field: "state", skip: failedBefore, problems: &problems) {
      state = MachineState(rawValue: raw)
      if state == nil {
        problems.append(("state", "must be one of \(MachineState.allCases.map(\.rawValue).joined(separator: ", ")), got '\(raw)'"))
      }
    }
    let reason = draft.reason ?? ""
    if reason.count > IngestLimits.textLength { problems.append(("reason", "longer than \(IngestLimits.textLength) characters")) }
    let startedAt = required(draft.startedAt, field: "started_at", skip: failedBefore, problems: &problems)
    let endedAt = required(draft.endedAt, field: "ended_at", skip: failedBefore, problems: &problems)
    if let startedAt, let endedAt, endedAt < startedAt { problems.append(("ended_at", "is before started_at")) }
    guard problems.isEmpty, let eventID, let cell, let state, let startedAt, let endedAt else { return nil }
    return StateEventRow(
      eventID: eventID, cell: cell, robot: draft.robot.flatMap { $0.isEmpty ? nil : $0 }, state: state.rawValue,
      reason: reason, startedAt: startedAt, endedAt: endedAt)
  }

  private static func required<T>(
    _ value: T?, field: String, skip: Set<String>, problems: inout [(String, String)]
  ) -> T? {
    if value == nil && !skip.contains(field) { problems.append((field, "is required")) }
    return value
  }

  private static func text(
    _ value: String?, field: String, skip: Set<String>, problems: inout [(String, String)]
  ) -> String? {
    guard let value = required(value, field: field, skip: skip, problems: &problems) else { return nil }
    if value.isEmpty {
      problems.append((field, "must not be empty"))
      return nil
    }
    if IngestLimits.isTooLong(value) {
      problems.append((field, "longer than \(IngestLimits.textLength) characters"))
      return nil
    }
    return value
  }

  private static func uuid(
    _ value: String?, field: String, skip: Set<String>, problems: inout [(String, String)]
  ) -> String? {
    guard let value = required(value, field: field, skip: skip, problems: &problems) else { return nil }
    guard let id = UUIDText.parse(value) else {
      problems.append((field, "must be a UUID like 0b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5a, got '\(value.prefix(60))'"))
      return nil
    }
    return id.canonical
  }
}
