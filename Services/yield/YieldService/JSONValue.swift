import Foundation

/// A JSON value for the REST API: keys keep their order and a nil KPI is written as `null`
/// (docs/yield-api.md reports undefined ratios as null, never by leaving the key out).
enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized == rhs.serialized }

  /// `value`, or null when nil.
  static func optional(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
  /// `value`, or null when nil.
  static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
  /// `value`, or null when nil.
  static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
  /// An RFC 3339 UTC time with milliseconds, or null when nil.
  static func time(_ date: Date?) -> JSONValue { date.map { .string(RFC3339.format($0)) } ?? .null }

  /// The compact JSON text.
  var serialized: String {
    var out = ""
    write(to: &out)
    return out
  }

  func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value):
      if value.isFinite {
        // Integral values keep a JSON number form every client reads; others the shortest round trip.
        out += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
      } else {
        out += "null"
      }
    case .string(let value): Self.writeString(value, to: &out)
    case .array(let values):
      out += "["
      for (index, value) in values.enumerated() {
        if index > 0 { out += "," }
        value.write(to: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { out += "," }
        Self.writeString(key, to: &out)
        out += ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }

  static func writeString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

/// RFC 3339 times as the API writes and reads them.
enum RFC3339 {
  /// `2026-11-25T06:00:00.000Z`: UTC, milliseconds.
  static func format(_ date: Date) -> String {
    date.formatted(
      Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
  }

  /// Parses an RFC 3339 date-time with `Z` or an offset, with or without fractional seconds.
  static func parse(_ text: String) -> Date? {
    // Full date-time only: a date alone or a time without offset is ambiguous for a plant in a zone.
    guard text.count >= 20, text.count <= 40 else { return nil }
    // RFC 3339 allows lower-case 't' and 'z'.
    let text = text.uppercased()
    if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
    if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
    return nil
  }
}
