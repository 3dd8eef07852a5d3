import Foundation
import NIOCore

/// Rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL, backslash escapes),
/// written straight into a buffer: the bulk path of ``PostgresYieldStore`` ingest.
enum CopyText {
  /// Appends one cycle in ``CycleColumns`` order.
  static func append(_ row: CycleRow, to buffer: inout ByteBuffer) {
    text(row.cycleID, &buffer)
    tab(&buffer)
    text(row.plant, &buffer)
    tab(&buffer)
    text(row.line, &buffer)
    tab(&buffer)
    text(row.cell, &buffer)
    tab(&buffer)
    text(row.robot, &buffer)
    tab(&buffer)
    text(row.station, &buffer)
    tab(&buffer)
    optionalText(row.partSerial, &buffer)
    tab(&buffer)
    timestamp(row.startedAt, &buffer)
    tab(&buffer)
    timestamp(row.endedAt, &buffer)
    tab(&buffer)
    buffer.writeString(String(row.cycleMs))
    tab(&buffer)
    text(row.outcome, &buffer)
    tab(&buffer)
    buffer.writeString(String(row.attempts))
    tab(&buffer)
    optionalText(row.failureCode, &buffer)
    tab(&buffer)
    double(row.torqueNm, &buffer)
    tab(&buffer)
    double(row.angleDeg, &buffer)
    tab(&buffer)
    text(row.modelVersion, &buffer)
    tab(&buffer)
    buffer.writeString(String(row.idealCycleMs))
    buffer.writeInteger(UInt8(ascii: "\n"))
  }

  static func tab(_ buffer: inout ByteBuffer) { buffer.writeInteger(UInt8(ascii: "\t")) }

  static func optionalText(_ value: String?, _ buffer: inout ByteBuffer) {
    if let value { text(value, &buffer) } else { buffer.writeStaticString("\\N") }
  }

  static func text(_ value: String, _ buffer: inout ByteBuffer) {
    // Most fields need no escape: one copy of the whole string.
    if !value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
      buffer.writeString(value)
      return
    }
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
      case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
      case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
      case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
      default: buffer.writeInteger(byte)
      }
    }
  }

  static func double(_ value: Double?, _ buffer: inout ByteBuffer) {
    guard let value else {
      buffer.writeStaticString("\\N")
      return
    }
    buffer.writeString(value.isFinite ? "\(value)" : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")))
  }

  /// `YYYY-MM-DD HH:MM:SS.mmm+00` in UTC, to the millisecond (the stored precision).
  static func timestamp(_ date: Date, _ buffer: inout ByteBuffer) {
    let milliseconds = date.millisecondsSince1970
    let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
    let msOfDay = milliseconds - days * 86_400_000
    let (year, month, day) = civil(fromDays: days)
    digits(year, 4, &buffer)
    buffer.writeInteger(UInt8(ascii: "-"))
    digits(month, 2, &buffer)
    buffer.writeInteger(UInt8(ascii: "-"))
    digits(day, 2, &buffer)
    buffer.writeInteger(UInt8(ascii: " "))
    digits(msOfDay / 3_600_000, 2, &buffer)
    buffer.writeInteger(UInt8(ascii: ":"))
    digits(msOfDay / 60_000 % 60, 2, &buffer)
    buffer.writeInteger(UInt8(ascii: ":"))
    digits(msOfDay / 1000 % 60, 2, &buffer)
    buffer.writeInteger(UInt8(ascii: "."))
    digits(msOfDay % 1000, 3, &buffer)
    buffer.writeStaticString("+00")
  }

  static func digits(_ value: Int64, _ width: Int, _ buffer: inout ByteBuffer) {
    var divisor: Int64 = 1
    for _ in 1..<width { divisor *= 10 }
    var rest = value
    while divisor > 0 {
      buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
      rest %= divisor
      divisor /= 10
    }
  }

  /// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
  static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}
