import Foundation
import NIOCore

/// Rows in PostgreSQL's binary COPY format ("COPY binary file format" in the PostgreSQL manual):
/// the bulk path of ``PostgresYieldStore`` ingest. The server then runs the types' binary receive
/// functions (16 bytes for a uuid, an int64 for a timestamp) instead of parsing text, and we write
/// lengths and raw bytes instead of escaping and printing.
enum CopyBinary {
  /// `PGCOPY\n\377\r\n\0`, then flags (no OIDs) and an empty header extension.
  static func appendHeader(to buffer: inout ByteBuffer) {
    buffer.writeBytes([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
    buffer.writeInteger(Int32(0))
    buffer.writeInteger(Int32(0))
  }

  /// The file trailer: a field count of -1.
  static func appendTrailer(to buffer: inout ByteBuffer) {
    buffer.writeInteger(Int16(-1))
  }

  /// Appends one cycle in ``CycleColumns`` order. `row.cycleID` must be canonical (see
  /// `IngestBatch`) and `uuid` its value; throws for a value the column type cannot hold, as
  /// PostgreSQL would have refused its text.
  static func append(_ row: CycleRow, uuid: UUID, to buffer: inout ByteBuffer) throws(YieldStoreError) {
    let startedAt = try timestamp(row.startedAt, field: "started_at", row: row)
    let endedAt = try timestamp(row.endedAt, field: "ended_at", row: row)
    guard let attempts = Int32(exactly: row.attempts) else {
      throw outOfRange(row, field: "attempts", detail: "\(row.attempts) does not fit PostgreSQL's integer")
    }
    buffer.writeInteger(Int16(CycleColumns.names.count))
    buffer.writeInteger(Int32(16))
    withUnsafeBytes(of: uuid.uuid) { _ = buffer.writeBytes($0) }
    text(row.plant, &buffer)
    text(row.line, &buffer)
    text(row.cell, &buffer)
    text(row.robot, &buffer)
    text(row.station, &buffer)
    optionalText(row.partSerial, &buffer)
    int64(startedAt, &buffer)
    int64(endedAt, &buffer)
    int64(Int64(row.cycleMs), &buffer)
    text(row.outcome, &buffer)
    buffer.writeInteger(Int32(4))
    buffer.writeInteger(attempts)
    optionalText(row.failureCode, &buffer)
    double(row.torqueNm, &buffer)
    double(row.angleDeg, &buffer)
    text(row.modelVersion, &buffer)
    int64(Int64(row.idealCycleMs), &buffer)
  }

  /// Appends a row of one `uuid` column.
  static func append(uuid: UUID, to buffer: inout ByteBuffer) {
    buffer.writeInteger(Int16(1))
    buffer.writeInteger(Int32(16))
    withUnsafeBytes(of: uuid.uuid) { _ = buffer.writeBytes($0) }
  }

  static let null = Int32(-1)

  static func text(_ value: String, _ buffer: inout ByteBuffer) {
    // Length first: reserve it, write the UTF-8, then fill it in (no second pass to count bytes).
    let lengthIndex = buffer.writerIndex
    buffer.writeInteger(Int32(0))
    let written = buffer.writeString(value)
    buffer.setInteger(Int32(written), at: lengthIndex)
  }

  static func optionalText(_ value: String?, _ buffer: inout ByteBuffer) {
    if let value { text(value, &buffer) } else { buffer.writeInteger(null) }
  }

  static func int64(_ value: Int64, _ buffer: inout ByteBuffer) {
    buffer.writeInteger(Int32(8))
    buffer.writeInteger(value)
  }

  static func double(_ value: Double?, _ buffer: inout ByteBuffer) {
    guard let value else {
      buffer.writeInteger(null)
      return
    }
    buffer.writeInteger(Int32(8))
    buffer.writeInteger(value.bitPattern)
  }

  /// Microseconds from 1970-01-01T00:00:00Z to PostgreSQL's epoch, 2000-01-01T00:00:00Z.
  static let postgresEpochMicroseconds: Int64 = 946_684_800_000_000
  /// PostgreSQL's valid `timestamptz` range in microseconds from its epoch, [4714-11-24 BC, 294277 AD):
  /// outside it the binary form would be an error or, at the very ends, ±infinity.
  static let timestampRange: Range<Int64> = -211_813_488_000_000_000..<9_223_371_331_200_000_000

  /// `date` (already rounded to the millisecond) as PostgreSQL's binary timestamp.
  static func timestamp(_ date: Date, field: String, row: CycleRow) throws(YieldStoreError) -> Int64 {
    let (micros, overflow) = date.millisecondsSince1970.multipliedReportingOverflow(by: 1000)
    let (value, overflowAgain) = micros.subtractingReportingOverflow(postgresEpochMicroseconds)
    guard !overflow, !overflowAgain, timestampRange.contains(value) else {
      throw outOfRange(row, field: field, detail: "\(date) is outside PostgreSQL's timestamp range")
    }
    return value
  }

  static func outOfRange(_ row: CycleRow, field: String, detail: String) -> YieldStoreError {
    YieldStoreError(
      code: .constraintViolation,
      message: "cycle \(row.cycleID): \(field) \(detail); nothing of the batch was stored", field: field)
  }
}
