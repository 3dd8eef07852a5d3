import Foundation
import SwiftProtobuf
import WorkcellProto

/// The fields of a `workcell.common.v1.CycleRecord` that yield stores, as proto3 gives them
/// (zero values for "not set", presence only for the timestamps and the optional doubles).
struct CycleRecordFields: Sendable {
  var cycleID = ""
  var plant = ""
  var line = ""
  var cell = ""
  var robot = ""
  var station = ""
  var partSerial = ""
  var startedAt: Google_Protobuf_Timestamp?
  var endedAt: Google_Protobuf_Timestamp?
  var cycleMs: UInt32 = 0
  var outcome = Workcell_Common_V1_CycleOutcome.unspecified
  var attempts: UInt32 = 0
  var failureCode = Workcell_Common_V1_FailureCode.unspecified
  var torqueNm: Double?
  var angleDeg: Double?
  var modelVersion = ""
  var idealCycleMs: UInt32 = 0

  init() {}

  /// The fields of a record SwiftProtobuf decoded.
  init(_ record: Workcell_Common_V1_CycleRecord) {
    cycleID = record.cycleID
    plant = record.plant
    line = record.line
    cell = record.cell
    robot = record.robot
    station = record.station
    partSerial = record.partSerial
    startedAt = record.hasStartedAt ? record.startedAt : nil
    endedAt = record.hasEndedAt ? record.endedAt : nil
    cycleMs = record.cycleMs
    outcome = record.outcome
    attempts = record.attempts
    failureCode = record.failureCode
    torqueNm = record.hasTorqueNm ? record.torqueNm : nil
    angleDeg = record.hasAngleDeg ? record.angleDeg : nil
    modelVersion = record.modelVersion
    idealCycleMs = record.idealCycleMs
  }
}

/// Why bytes are not a valid message.
enum WireFormatError: Error, Equatable, CustomStringConvertible {
  case truncated
  case malformed
  case invalidUTF8
  case tooDeep

  var description: String {
    switch self {
    case .truncated: "the message ends inside a field"
    case .malformed: "malformed protobuf (bad tag, varint or length)"
    case .invalidUTF8: "a string field is not UTF-8"
    case .tooDeep: "groups nested too deeply"
    }
  }
}

/// The reader behind ``CycleDraftsDeserializer``. Needs no gRPC, so scripts/fuzz.sh (cycle-wire)
/// compiles it with SwiftProtobuf, the common and yield messages and the draft types alone.
enum CycleRecordWire {
  /// SwiftProtobuf's default recursion limit; the request is depth 1, a record 2.
  static let depthLimit = 100

  /// The drafts of one request message.
  static func drafts(request bytes: UnsafeRawBufferPointer) throws(WireFormatError) -> [CycleDraft] {
    var reader = WireReader(bytes)
    var drafts: [CycleDraft] = []
    while let (field, wire) = try reader.tag() {
      if field == 1, wire == .lengthDelimited {
        let body = try reader.lengthDelimited()
        drafts.append(CycleDraft(wire: try fields(record: body)))
      } else {
        try reader.skip(field: field, wire: wire, depth: 1)
      }
    }
    return drafts
  }

  /// The fields of one CycleRecord's bytes.
  static func fields(record bytes: UnsafeRawBufferPointer) throws(WireFormatError) -> CycleRecordFields {
    var reader = WireReader(bytes)
    var record = CycleRecordFields()
    while let (field, wire) = try reader.tag() {
      switch (field, wire) {
      case (1, .lengthDelimited): record.cycleID = try reader.string()
      case (2, .lengthDelimited): record.plant = try reader.string()
      case (3, .lengthDelimited): record.line = try reader.string()
      case (4, .lengthDelimited): record.cell = try reader.string()
      case (5, .lengthDelimited): record.robot = try reader.string()
      case (6, .lengthDelimited): record.station = try reader.string()
      case (7, .lengthDelimited): record.partSerial = try reader.string()
      case (8, .lengthDelimited): record.startedAt = try timestamp(try reader.lengthDelimited(), merging: record.startedAt)
      case (9, .lengthDelimited): record.endedAt = try timestamp(try reader.lengthDelimited(), merging: record.endedAt)
      case (10, .varint): record.cycleMs = UInt32(truncatingIfNeeded: try reader.varint())
      case (11, .varint):
        // Generated enums keep an unknown number as UNRECOGNIZED: the init never fails.
        if let value = Workcell_Common_V1_CycleOutcome(rawValue: Int(Int32(truncatingIfNeeded: try reader.varint()))) {
          record.outcome = value
        }
      case (12, .varint): record.attempts = UInt32(truncatingIfNeeded: try reader.varint())
      case (13, .varint):
        if let value = Workcell_Common_V1_FailureCode(rawValue: Int(Int32(truncatingIfNeeded: try reader.varint()))) {
          record.failureCode = value
        }
      case (14, .fixed64): record.torqueNm = Double(bitPattern: try reader.fixed64())
      case (15, .fixed64): record.angleDeg = Double(bitPattern: try reader.fixed64())
      case (16, .lengthDelimited): record.modelVersion = try reader.string()
      case (17, .varint): record.idealCycleMs = UInt32(truncatingIfNeeded: try reader.varint())
      case (18, .lengthDelimited):
        // Not stored; checked as SwiftProtobuf would, so a bad one refuses the message as before.
        let body = try reader.lengthDelimited()
        do {
          _ = try Workcell_Common_V1_StepTiming(serializedBytes: Data(body))
        } catch {
          throw .malformed
        }
      default: try reader.skip(field: field, wire: wire, depth: 2)
      }
    }
    return record
  }

  /// A `google.protobuf.Timestamp`'s bytes, merged into `existing` (a repeated field merges).
  static func timestamp(_ bytes: UnsafeRawBufferPointer, merging existing: Google_Protobuf_Timestamp?)
    throws(WireFormatError) -> Google_Protobuf_Timestamp
  {
    var reader = WireReader(bytes)
    var value = existing ?? Google_Protobuf_Timestamp()
    while let (field, wire) = try reader.tag() {
      switch (field, wire) {
      case (1, .varint): value.seconds = Int64(bitPattern: try reader.varint())
      case (2, .varint): value.nanos = Int32(truncatingIfNeeded: try reader.varint())
      default: try reader.skip(field: field, wire: wire, depth: 3)
      }
    }
    return value
  }
}

/// Protobuf wire types.
enum WireType: UInt8 {
  case varint = 0
  case fixed64 = 1
  case lengthDelimited = 2
  case startGroup = 3
  case endGroup = 4
  case fixed32 = 5
}

/// A cursor over one message's bytes.
struct WireReader {
  private let bytes: UnsafeRawBufferPointer
  private var offset = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// The next field's number and wire type, or nil at the end of the message.
  mutating func tag() throws(WireFormatError) -> (field: Int, wire: WireType)? {
    guard offset < bytes.count else { return nil }
    // As SwiftProtobuf reads a message's own tags: at most 5 bytes, the wire type checked first.
    // A tag is at most 5 bytes and below 2³²; wire types 6 and 7 and field 0 do not exist.
    guard let wire = WireType(rawValue: bytes[offset] & 7) else { throw .malformed }
    var value: UInt64 = 0
    for index in 0..<5 {
      guard offset < bytes.count else { throw .malformed }
      let byte = bytes[offset]
      offset += 1
      if index == 4, byte > 15 { throw .malformed }
      value |= UInt64(byte & 0x7f) << (7 * index)
      if byte & 0x80 == 0 { break }
    }
    let field = Int(value >> 3)
    guard field != 0 else { throw .malformed }
    return (field, wire)
  }

  /// A tag inside a skipped group, read as SwiftProtobuf reads those: any varint below 2³² − 1.
  private mutating func groupTag() throws(WireFormatError) -> (field: Int, wire: WireType)? {
    guard offset < bytes.count else { return nil }
    let value = try varint()
    guard value < UInt64(UInt32.max), let wire = WireType(rawValue: UInt8(value & 7)), value >> 3 != 0 else {
      throw .malformed
    }
    return (Int(value >> 3), wire)
  }

  /// A base-128 varint of at most 10 bytes (bits beyond 64 dropped, as SwiftProtobuf does).
  mutating func varint() throws(WireFormatError) -> UInt64 {
    guard offset < bytes.count else { throw .truncated }
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard offset < bytes.count, shift <= 63 else { throw .malformed }
      let byte = bytes[offset]
      offset += 1
      value |= UInt64(byte & 0x7f) &<< shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
  }

  mutating func fixed64() throws(WireFormatError) -> UInt64 {
    guard bytes.count - offset >= 8 else { throw .truncated }
    defer { offset += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// The body of a length-delimited field (under 2 GiB, as protobuf limits it).
  mutating func lengthDelimited() throws(WireFormatError) -> UnsafeRawBufferPointer {
    let length = try varint()
    guard length < 0x7fff_ffff else { throw .malformed }
    guard length <= UInt64(bytes.count - offset) else { throw .truncated }
    let body = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
    offset += Int(length)
    return body
  }

  mutating func string() throws(WireFormatError) -> String {
    let body = try lengthDelimited()
    if body.isEmpty { return "" }
    // `String(decoding:)` repairs bad UTF-8 with U+FFFD, so the bytes come back unchanged exactly
    // when they were valid. (`String(validating:as:)` is generic, unspecialized here, and looked up
    // type metadata on every call: a sixth of yield's ingest CPU.)
    let text = String(decoding: body, as: UTF8.self)
    let unchanged =
      text.utf8.withContiguousStorageIfAvailable { $0.count == body.count && memcmp($0.baseAddress!, body.baseAddress!, body.count) == 0 }
      ?? text.utf8.elementsEqual(body)
    guard unchanged else { throw .invalidUTF8 }
    return text
  }

  /// Skips a field this reader does not keep; `depth` is the message's nesting (groups add to it).
  mutating func skip(field: Int, wire: WireType, depth: Int) throws(WireFormatError) {
    switch wire {
    case .varint: _ = try varint()
    case .fixed64:
      guard bytes.count - offset >= 8 else { throw .truncated }
      offset += 8
    case .lengthDelimited: _ = try lengthDelimited()
    case .fixed32:
      guard bytes.count - offset >= 4 else { throw .truncated }
      offset += 4
    case .endGroup: throw .truncated
    case .startGroup:
      guard depth < CycleRecordWire.depthLimit else { throw .tooDeep }
      while true {
        guard let (inner, innerWire) = try groupTag() else { throw .truncated }
        if innerWire == .endGroup {
          guard inner == field else { throw .malformed }
          return
        }
        try skip(field: inner, wire: innerWire, depth: depth + 1)
      }
    }
  }
}
