import Foundation

/// One cycle as stored: one attempt to complete one part at one station (docs/yield-api.md, "Cycle").
///
/// Times are kept to the millisecond on both backends; finer parts are rounded away on write.
public struct CycleRow: Sendable, Hashable, Codable {
  /// UUID chosen by the cell; re-sending the same id is a no-op. Stored and returned lowercase.
  public var cycleID: String
  public var plant: String
  public var line: String
  public var cell: String
  public var robot: String
  /// The process in the cell, e.g. `nut_install`.
  public var station: String
  public var partSerial: String?
  public var startedAt: Date
  /// The time every bucket and `from`/`to` filter applies to.
  public var endedAt: Date
  public var cycleMs: Int
  /// `ok`, `nok` or `aborted`; the database rejects anything else.
  public var outcome: String
  /// Grasp/insert tries inside the cycle, at least 1.
  public var attempts: Int
  /// Nil when the outcome is `ok`.
  public var failureCode: String?
  public var torqueNm: Double?
  public var angleDeg: Double?
  public var modelVersion: String
  /// The takt the cell was asked to meet.
  public var idealCycleMs: Int

  /// Creates a cycle row; every field as docs/yield-api.md names it.
  public init(
    cycleID: String, plant: String, line: String, cell: String, robot: String, station: String,
    partSerial: String? = nil, startedAt: Date, endedAt: Date, cycleMs: Int, outcome: String,
    attempts: Int, failureCode: String? = nil, torqueNm: Double? = nil, angleDeg: Double? = nil,
    modelVersion: String, idealCycleMs: Int
  ) {
    self.cycleID = cycleID
    self.plant = plant
    self.line = line
    self.cell = cell
    self.robot = robot
    self.station = station
    self.partSerial = partSerial
    self.startedAt = startedAt
    self.endedAt = endedAt
    self.cycleMs = cycleMs
    self.outcome = outcome
    self.attempts = attempts
    self.failureCode = failureCode
    self.torqueNm = torqueNm
    self.angleDeg = angleDeg
    self.modelVersion = modelVersion
    self.idealCycleMs = idealCycleMs
  }
}
