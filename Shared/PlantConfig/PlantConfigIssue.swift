/// One thing wrong (or doubtful) in a plant file, with the line it is on.
public struct PlantConfigIssue: Hashable, Sendable, CustomStringConvertible {
  /// Whether the file can be used despite the issue.
  public enum Severity: String, Hashable, Sendable {
    /// The file is refused: services will not start with it.
    case error
    /// Worth a look; the file is still used.
    case warning
  }

  /// What kind of issue, for a machine to switch on.
  public enum Code: String, Hashable, Sendable, CaseIterable {
    /// The YAML does not parse.
    case syntax
    /// A required key is missing.
    case missingKey = "missing_key"
    /// A key the plant file does not know (often a typo).
    case unknownKey = "unknown_key"
    /// A value has the wrong type or format.
    case invalidValue = "invalid_value"
    /// Two cells share an id.
    case duplicateCellID = "duplicate_cell_id"
    /// Two lines or two robots share an id, or a key is given twice.
    case duplicateID = "duplicate_id"
    /// A cell names a line the file does not define.
    case unknownLine = "unknown_line"
    /// Two services, or two PLC devices, would use the same port (and unit id).
    case portClash = "port_clash"
    /// A Modbus unit id outside 1–247.
    case unknownPlcUnitID = "unknown_plc_unit_id"
    /// Two robots of a cell work the same side.
    case duplicateSide = "duplicate_side"
    /// Two shifts cover the same time of day.
    case overlappingShifts = "overlapping_shifts"
    /// A shift or break the shift calendar refuses (times, break outside its shift, …).
    case invalidShift = "invalid_shift"
    /// A cell reports to no yield service: neither its own `yield` nor the plant's.
    case missingYieldEndpoint = "missing_yield_endpoint"
    /// Takt and ideal cycle time do not fit together.
    case invalidTakt = "invalid_takt"
    /// The file does not say how the fleet's gRPC hops are secured (no certificates named), or
    /// says it both ways.
    case security
  }

  public var severity: Severity
  public var code: Code
  /// 1-based line in the plant file; 0 when the issue concerns the file as a whole.
  public var line: Int
  /// What is wrong and what to do, for the plant engineer.
  public var message: String

  public init(_ severity: Severity, _ code: Code, line: Int, _ message: String) {
    self.severity = severity
    self.code = code
    self.line = line
    self.message = message
  }

  /// `line 12: error: duplicate_cell_id: …`.
  public var description: String { "line \(line): \(severity.rawValue): \(code.rawValue): \(message)" }

  /// `FILE:LINE: error: …`, the format compilers use, so editors can jump to it.
  public func formatted(file: String) -> String {
    "\(file):\(line): \(severity.rawValue): \(message) [\(code.rawValue)]"
  }
}
