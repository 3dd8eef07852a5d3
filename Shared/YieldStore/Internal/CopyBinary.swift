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
    // One reservation and one raw write per row: a ByteBuffer call per field (35 of them) cost
    // more than the bytes.
    // Field count, 17 lengths, uuid, 2 timestamps, cycle_ms, ideal_cycle_ms, attempts, then text
    // and the doubles present.
    var size = 2 + 17 * 4 + 16 + 4 * 8 + 4
    size += row.plant.utf8.count + row.line.utf8.count + row.cell.utf8.count + row.robot.utf8.count
    size += row.station.utf8.count + row.outcome.utf8.count + row.modelVersion.utf8.count
    size += (row.partSerial?.utf8.count ?? 0) + (row.failureCode?.utf8.count ?? 0)
    size += (row.torqueNm == nil ? 0 : 8) + (row.angleDeg == nil ? 0 : 8)
    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
      var out = RowWriter(raw: raw)
      out.integer(Int16(17))
      out.integer(Int32(16))
      withUnsafeBytes(of: uuid.uuid) { out.bytes($0) }
      out.text(row.plant)
      out.text(row.line)
      out.text(row.cell)
      out.text(row.robot)
      out.text(row.station)
      out.optionalText(row.partSerial)
      out.int64Field(startedAt)
      out.int64Field(endedAt)
      out.int64Field(Int64(row.cycleMs))
      out.text(row.outcome)
      out.integer(Int32(4))
      out.integer(attempts)
      out.optionalText(row.failureCode)
      out.double(row.torqueNm)
      out.double(row.angleDeg)
      out.text(row.modelVersion)
      out.int64Field(Int64(row.idealCycleMs))
      assert(out.offset == size && CycleColumns.names.count == 17, "binary COPY row size miscounted")
      return out.offset
    }
  }

  /// Big-endian fields into memory reserved for exactly one row.
  struct RowWriter {
    let raw: UnsafeMutableRawBufferPointer
    var offset = 0

    mutating func integer<T: FixedWidthInteger>(_ value: T) {
      raw.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
      offset += MemoryLayout<T>.size
    }

    mutating func bytes(_ source: UnsafeRawBufferPointer) {
      guard let base = source.baseAddress, !source.isEmpty else { return }
      (raw.baseAddress! + offset).copyMemory(from: base, byteCount: source.count)
      offset += source.count
    }

    mutating func text(_ value: String) {
      integer(Int32(value.utf8.count))
      if value.utf8.withContiguousStorageIfAvailable({ bytes(UnsafeRawBufferPointer($0)) }) == nil {
        Array(value.utf8).withUnsafeBytes { bytes($0) }
      }
    }

    mutating func optionalText(_ value: String?) {
      if let value { text(value) } else { integer(CopyBinary.null) }
    }

    mutating func int64Field(_ value: Int64) {
      integer(Int32(8))
      integer(value)
    }

    mutating func double(_ value: Double?) {
      guard let value else { return integer(CopyBinary.null) }
      integer(Int32(8))
      integer(value.bitPattern)
    }
  }

  /// Appends a row of one `uuid` column.
  static func append(uuid: UUID, to buffer: inout ByteBuffer) {
    buffer.writeInteger(Int16(1))
    buffer.writeInteger(Int32(16))
    withUnsafeBytes(of: uuid.uuid) { _ = buffer.writeBytes($0) }
  }

  static let null = Int32(-1)

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
