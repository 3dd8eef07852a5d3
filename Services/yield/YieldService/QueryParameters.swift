import Foundation
import Hummingbird
import YieldKPI
import YieldStore

/// The query string of a REST request, checked against the parameters an endpoint knows:
/// unknown or repeated parameters are refused (docs/yield-api.md: unknown parameters → 400).
struct QueryParameters {
  static let cycleFilterNames = ["cell", "line", "robot", "station", "outcome", "failure_code", "from", "to"]
  /// Parameters whose empty value is an error rather than "not given".
  static let mustHaveValue: Set<String> = ["from", "to", "limit", "page_token", "group_by", "tz", "outcome", "failure_code"]
  private var values: [String: String] = [:]

  init(_ request: Request, allowed: [String]) throws(YieldAPIError) {
    let allowed = Set(allowed)
    for (rawKey, rawValue) in request.uri.queryParameters {
      let key = String(rawKey)
      guard allowed.contains(key) else {
        throw .unknownParameter(
          allowed.isEmpty
            ? "This endpoint takes no parameters; got '\(key.prefix(60))'."
            : "Unknown parameter '\(key.prefix(60))'; this endpoint takes \(allowed.sorted().joined(separator: ", ")).")
      }
      let value = String(rawValue)
      if value.isEmpty && Self.mustHaveValue.contains(key) {
        throw .invalidParameter("Parameter '\(key)' is empty; give a value or leave it out.")
      }
      guard value.count <= 200 else {
        throw .invalidParameter("Parameter '\(key)' is longer than 200 characters.")
      }
      if let earlier = values[key] {
        // group_by may be repeated as well as comma-separated.
        guard key == "group_by" else { throw .invalidParameter("Parameter '\(key)' is given more than once.") }
        values[key] = earlier + "," + value
      } else {
        values[key] = value
      }
    }
  }

  /// A text parameter; an empty value counts as absent.
  func string(_ name: String) -> String? {
    guard let value = values[name], !value.isEmpty else { return nil }
    return value
  }

  func time(_ name: String) throws(YieldAPIError) -> Date? {
    guard let text = string(name) else { return nil }
    guard let date = RFC3339.parse(text) else {
      throw .invalidParameter("'\(name)' must be an RFC 3339 date-time with offset, like 2026-11-25T06:00:00Z; got '\(text.prefix(60))'.")
    }
    return date
  }

  func integer(_ name: String, in range: ClosedRange<Int>) throws(YieldAPIError) -> Int? {
    guard let text = string(name) else { return nil }
    guard let value = Int(text), range.contains(value) else {
      throw .invalidParameter("'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound); got '\(text.prefix(60))'.")
    }
    return value
  }

  /// The filter of GET /cycles and /cycles.csv.
  mutating func cycleFilter() throws(YieldAPIError) -> CycleFilter {
    let from = try time("from")
    let to = try time("to")
    if let from, let to { try QueryWindow.check(from: from, to: to) }
    if let outcome = string("outcome"), CycleOutcome(rawValue: outcome) == nil {
      throw .invalidParameter("'outcome' must be ok, nok or aborted; got '\(outcome.prefix(60))'.")
    }
    if let code = string("failure_code"), FailureCode(rawValue: code) == nil {
      throw .invalidParameter(
        "'failure_code' must be one of \(FailureCode.allCases.map(\.rawValue).joined(separator: ", ")); got '\(code.prefix(60))'.")
    }
    return CycleFilter(
      cell: string("cell"), line: string("line"), robot: string("robot"), station: string("station"),
      outcome: string("outcome"), failureCode: string("failure_code"), from: from, to: to)
  }

  /// The parameters of GET /yield and /oee.
  mutating func kpiQuery() throws(YieldAPIError) -> KPIQuery {
    let window = try QueryWindow(from: try time("from"), to: try time("to"))
    return KPIQuery(
      window: window, cell: string("cell"), line: string("line"), station: string("station"),
      groupBy: try Self.dimensions(string("group_by")), timeZone: try Self.timeZone(string("tz")))
  }

  static func dimensions(_ text: String?) throws(YieldAPIError) -> [GroupDimension] {
    guard let text else { return [] }
    var dimensions: [GroupDimension] = []
    for name in text.split(separator: ",", omittingEmptySubsequences: false) {
      guard let dimension = GroupDimension(rawValue: String(name)) else {
        throw .invalidParameter(
          "'group_by' takes a comma-separated list of \(GroupDimension.allCases.map(\.rawValue).joined(separator: ", ")); got '\(name.prefix(60))'.")
      }
      if !dimensions.contains(dimension) { dimensions.append(dimension) }
    }
    return dimensions
  }

  static func timeZone(_ name: String?) throws(YieldAPIError) -> TimeZone {
    guard let name else { return .gmt }
    // Only IANA names (Region/City or UTC): abbreviations like CET are ambiguous.
    guard name == "UTC" || name.contains("/"), let zone = TimeZone(identifier: name) else {
      throw .invalidParameter("'tz' must be an IANA time zone like Europe/Berlin; got '\(name.prefix(60))'.")
    }
    return zone
  }
}
