import Foundation

/// The key of one KPI row: the values of the grouped dimensions, nil for those not grouped by.
///
/// `bucketStart` is the start of the hour bucket when grouping by hour, else of the day bucket
/// when grouping by day, else of the shift instance when grouping by shift alone. Keys order by
/// bucket start, shift, line, cell, robot, station (nil first), the order of the API's row fields.
public struct BucketKey: Hashable, Sendable, Comparable {
  /// Start of the hour, day or shift bucket; nil when no time dimension is grouped by, or when
  /// grouping by shift alone and the cycle fell outside every shift.
  public var bucketStart: Date?
  /// Shift name; nil when not grouping by shift, or for cycles outside every shift.
  public var shiftName: String?
  /// Cell id when grouping by cell.
  public var cell: String?
  /// Robot id when grouping by robot.
  public var robot: String?
  /// Station id when grouping by station.
  public var station: String?
  /// Line id when grouping by line.
  public var line: String?
  /// Model version when grouping by model_version.
  public var modelVersion: String?

  /// Creates a key.
  public init(
    bucketStart: Date? = nil, shiftName: String? = nil, cell: String? = nil, robot: String? = nil,
    station: String? = nil, line: String? = nil, modelVersion: String? = nil
  ) {
    self.bucketStart = bucketStart
    self.shiftName = shiftName
    self.cell = cell
    self.robot = robot
    self.station = station
    self.line = line
    self.modelVersion = modelVersion
  }

  /// The stable output order: bucket start, shift, line, cell, robot, station, model version; nil
  /// before any value.
  public static func < (lhs: Self, rhs: Self) -> Bool {
    func compare<Value: Comparable>(_ a: Value?, _ b: Value?) -> Bool? {
      switch (a, b) {
      case (nil, nil): nil
      case (nil, _): true
      case (_, nil): false
      case (let a?, let b?): a == b ? nil : a < b
      }
    }
    return compare(lhs.bucketStart, rhs.bucketStart) ?? compare(lhs.shiftName, rhs.shiftName)
      ?? compare(lhs.line, rhs.line) ?? compare(lhs.cell, rhs.cell) ?? compare(lhs.robot, rhs.robot)
      ?? compare(lhs.station, rhs.station) ?? compare(lhs.modelVersion, rhs.modelVersion) ?? false
  }
}
