import Foundation
import YieldKPI

extension CycleFact {
  /// A fact from stored columns; both backends' CHECK constraints keep `outcome` valid, and a
  /// failure code this build does not know (written by a newer one) counts as `other`.
  init(
    stored: (
      cell: String, robot: String, station: String, line: String, endedAt: Date, cycleMs: Int, outcome: String,
      attempts: Int
    ),
    failureCode: String?, idealCycleMs: Int, modelVersion: String
  ) throws(YieldStoreError) {
    guard let outcome = CycleOutcome(rawValue: stored.outcome) else {
      throw YieldStoreError(
        code: .databaseUnavailable, message: "A stored cycle has outcome '\(stored.outcome)', which this build does not know")
    }
    self.init(
      cell: stored.cell, robot: stored.robot, station: stored.station, line: stored.line, endedAt: stored.endedAt,
      cycleMs: stored.cycleMs, outcome: outcome, attempts: stored.attempts,
      failureCode: failureCode.flatMap { $0.isEmpty ? nil : (FailureCode(rawValue: $0) ?? .other) },
      idealCycleMs: idealCycleMs, modelVersion: modelVersion)
  }
}

extension StateInterval {
  /// An interval from stored columns (the CHECK constraint keeps `state` valid).
  init(stored cell: String, robot: String?, state: String, startedAt: Date, endedAt: Date) throws(YieldStoreError) {
    guard let machineState = MachineState(rawValue: state) else {
      throw YieldStoreError(
        code: .databaseUnavailable, message: "A stored state event has state '\(state)', which this build does not know")
    }
    self.init(cell: cell, robot: robot, state: machineState, startedAt: startedAt, endedAt: endedAt)
  }
}
