import Foundation

/// What the KPIs need of one cycle record: where it ran, when it ended, how long it took, how it
/// ended, and the takt it was asked to meet.
public struct CycleFact: Hashable, Sendable {
  /// Cell id.
  public var cell: String
  /// Robot id.
  public var robot: String
  /// Station id (the process in the cell, e.g. `nut_install`).
  public var station: String
  /// Line id.
  public var line: String
  /// `ended_at`: every bucket and `from`/`to` filter applies to it.
  public var endedAt: Date
  /// `cycle_ms`: the cycle's duration.
  public var cycleMs: Int
  /// How the cycle ended.
  public var outcome: CycleOutcome
  /// Grasp/insert tries inside the cycle (≥ 1); first-pass means exactly 1.
  public var attempts: Int
  /// Why the cycle was not ok; nil when ok (or when a non-ok cycle carries none).
  public var failureCode: FailureCode?
  /// `ideal_cycle_ms`: the takt the cell was asked to meet, e.g. 76000.
  public var idealCycleMs: Int
  /// The model version that drove the cycle (empty when the record names none).
  public var modelVersion: String

  /// Creates a cycle fact.
  public init(
    cell: String, robot: String, station: String, line: String, endedAt: Date, cycleMs: Int,
    outcome: CycleOutcome, attempts: Int = 1, failureCode: FailureCode? = nil, idealCycleMs: Int,
    modelVersion: String = ""
  ) {
    self.cell = cell
    self.robot = robot
    self.station = station
    self.line = line
    self.endedAt = endedAt
    self.cycleMs = cycleMs
    self.outcome = outcome
    self.attempts = attempts
    self.failureCode = failureCode
    self.idealCycleMs = idealCycleMs
    self.modelVersion = modelVersion
  }
}
