import CellWorld
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import WorkcellProto

@testable import YieldService

/// The hand-written wire reader of the ingest path must read exactly what SwiftProtobuf reads:
/// every case here decodes the same bytes both ways and compares the drafts (or both refuse).
@Suite("ReportCycles records read from the wire")
struct CycleRecordWireTests {
  static let texts = ["", "cell-07", "nut_install", "Zelle-Ä-東京-🚗", "a", String(repeating: "x", count: 300)]

  static func randomRecord(_ random: inout WorldRandom) -> Workcell_Common_V1_CycleRecord {
    func text() -> String { texts.randomElement(using: &random)! }
    func maybe() -> Bool { Bool.random(using: &random) }
    func timestamp() -> Google_Protobuf_Timestamp {
      var value = Google_Protobuf_Timestamp()
      value.seconds = [0, 1_795_586_400, -1, Int64.max, -62_135_596_801].randomElement(using: &random)!
      value.nanos = [0, 123_000_000, 999_999_999, -1, 1_000_000_000].randomElement(using: &random)!
      return value
    }
    var record = Workcell_Common_V1_CycleRecord()
    if maybe() { record.cycleID = maybe() ? UUID().uuidString : text() }
    if maybe() { record.plant = text() }
    if maybe() { record.line = text() }
    if maybe() { record.cell = text() }
    if maybe() { record.robot = text() }
    if maybe() { record.station = text() }
    if maybe() { record.partSerial = text() }
    if maybe() { record.startedAt = timestamp() }
    if maybe() { record.endedAt = timestamp() }
    if maybe() { record.cycleMs = [0, 8_000, UInt32.max].randomElement(using: &random)! }
    if maybe() { record.outcome = Workcell_Common_V1_CycleOutcome(rawValue: Int.random(in: -2...5, using: &random))! }
    if maybe() { record.attempts = UInt32.random(in: 0...3, using: &random) }
    if maybe() { record.failureCode = Workcell_Common_V1_FailureCode(rawValue: Int.random(in: -1...12, using: &random))! }
    if maybe() { record.torqueNm = [0, 12.5, -.infinity, .nan, 1e300].randomElement(using: &random)! }
    if maybe() { record.angleDeg = [0, 90, .infinity].randomElement(using: &random)! }
    if maybe() { record.modelVersion = text() }
    if maybe() { record.idealCycleMs = [0, 76_000, UInt32.max].randomElement(using: &random)! }
    if maybe() {
      record.steps = (0..<Int.random(in: 1...3, using: &random)).map { index in
        .with {
          $0.step = Workcell_Common_V1_CycleStep(rawValue: index + 1)!
          $0.startedAt = timestamp()
          $0.durationMs = 1_500
          $0.attempts = 1
        }
      }
    }
    return record
  }

  /// A draft's content as text (NaN equals NaN; times by their bits), to compare two drafts.
  static func summary(_ draft: CycleDraft) -> String {
    func bits(_ date: Date?) -> String { date.map { String($0.timeIntervalSince1970.bitPattern) } ?? "nil" }
    func bits(_ value: Double?) -> String { value.map { String($0.bitPattern) } ?? "nil" }
    let texts = [draft.cycleID, draft.plant, draft.line, draft.cell, draft.robot, draft.station, draft.partSerial,
      draft.outcome, draft.failureCode, draft.modelVersion].map { $0.map { "'\($0)'" } ?? "nil" }
    let numbers = [draft.cycleMs, draft.attempts, draft.idealCycleMs].map { $0.map(String.init) ?? "nil" }
    let problems = draft.readProblems.map { "\($0.field): \($0.problem)" }
    return (texts + numbers + [bits(draft.startedAt), bits(draft.endedAt), bits(draft.torqueNm), bits(draft.angleDeg)]
      + problems).joined(separator: "|")
  }

  /// Both readers' drafts of `bytes`, or nil for a reader that refused them.
  static func readBothWays(_ bytes: [UInt8]) -> (swiftProtobuf: [String]?, wire: [String]?) {
    let reference = try? Workcell_Yield_V1_ReportCyclesRequest(serializedBytes: bytes).cycles
      .map { summary(CycleDraft(proto: $0)) }
    let wire = try? bytes.withUnsafeBytes { try CycleRecordWire.drafts(request: $0) }.map(summary)
    return (reference, wire)
  }

  static func lengthDelimited(field: Int, _ body: [UInt8]) -> [UInt8] {
    varint(UInt64(field << 3 | 2)) + varint(UInt64(body.count)) + body
  }

  static func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var bytes: [UInt8] = []
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7f) | 0x80)
      value >>= 7
    }
    return bytes + [UInt8(value)]
  }

  @Test("generated requests: the same drafts as SwiftProtobuf, field for field")
  func generated() throws {
    var random = WorldRandom(seed: 1)
    for _ in 0..<300 {
      let request = Workcell_Yield_V1_ReportCyclesRequest.with {
        $0.cycles = (0..<Int.random(in: 0...4, using: &random)).map { _ in Self.randomRecord(&random) }
      }
      let bytes: [UInt8] = try request.serializedBytes()
      let (reference, wire) = Self.readBothWays(bytes)
      #expect(reference != nil)
      #expect(wire == reference)
    }
  }

  @Test("a record sent in two parts merges as protobuf says: last scalar wins, timestamps merge")
  func concatenatedRecordsMerge() throws {
    var random = WorldRandom(seed: 2)
    for _ in 0..<300 {
      let first: [UInt8] = try Self.randomRecord(&random).serializedBytes()
      let second: [UInt8] = try Self.randomRecord(&random).serializedBytes()
      let bytes = Self.lengthDelimited(field: 1, first + second)
      let (reference, wire) = Self.readBothWays(bytes)
      #expect(reference != nil)
      #expect(wire == reference)
    }
    // The timestamp merge, by hand: seconds from the first part, nanos from the second.
    let first: [UInt8] = try Workcell_Common_V1_CycleRecord.with { $0.endedAt.seconds = 1_795_586_400 }.serializedBytes()
    let second: [UInt8] = try Workcell_Common_V1_CycleRecord.with { $0.endedAt.nanos = 5_000_000 }.serializedBytes()
    let drafts = try Self.lengthDelimited(field: 1, first + second).withUnsafeBytes {
      try CycleRecordWire.drafts(request: $0)
    }
    let endedAt = try #require(drafts.first?.endedAt)
    #expect(abs(endedAt.timeIntervalSince1970 - 1_795_586_400.005) < 1e-6)
  }

  @Test("mutated bytes: both readers refuse, or both read the same drafts")
  func mutated() throws {
    var random = WorldRandom(seed: 3)
    var refused = 0
    for _ in 0..<3_000 {
      let request = Workcell_Yield_V1_ReportCyclesRequest.with {
        $0.cycles = (0..<Int.random(in: 1...2, using: &random)).map { _ in Self.randomRecord(&random) }
      }
      var bytes: [UInt8] = try request.serializedBytes()
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        guard !bytes.isEmpty else { break }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes.removeSubrange(at...)
        case 2: bytes.insert(contentsOf: (0..<Int.random(in: 1...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
        default: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
        }
      }
      let (reference, wire) = Self.readBothWays(bytes)
      if reference == nil { refused += 1 }
      #expect(wire == reference, "bytes \(bytes)")
    }
    #expect(refused > 100, "the mutations should break many messages; \(refused) refused")
  }

  @Test("unknown fields, groups and known fields of another wire type are skipped; bad ones refuse")
  func unknownFieldsAndGroups() throws {
    let record: [UInt8] = try Workcell_Common_V1_CycleRecord.with {
      $0.cell = "c1"
      $0.cycleMs = 8_000
    }.serializedBytes()
    let extras: [[UInt8]] = [
      Self.varint(99 << 3 | 0) + Self.varint(300),  // unknown varint
      Self.varint(99 << 3 | 5) + [1, 2, 3, 4],  // unknown fixed32
      Self.varint(99 << 3 | 1) + [1, 2, 3, 4, 5, 6, 7, 8],  // unknown fixed64
      Self.varint(4 << 3 | 0) + [7],  // cell as a varint: not a string, so unknown
      Self.varint(99 << 3 | 3) + Self.varint(5 << 3 | 0) + [1] + Self.varint(99 << 3 | 4),  // a group
    ]
    for extra in extras {
      let (reference, wire) = Self.readBothWays(Self.lengthDelimited(field: 1, record + extra))
      #expect(reference != nil)
      #expect(wire == reference)
      #expect(wire?.first?.contains("'c1'") == true)
    }
    let refused: [[UInt8]] = [
      Self.varint(99 << 3 | 4),  // an end of group outside any group
      Self.varint(99 << 3 | 3) + Self.varint(98 << 3 | 4),  // a group closed by another number
      Self.varint(99 << 3 | 3),  // a group never closed
      [0 << 3 | 0, 1],  // field 0
      [99 << 3 | 6, 1],  // wire type 6
      Self.varint(4 << 3 | 2) + [2, 0xC3, 0x28],  // cell not UTF-8
      Self.varint(99 << 3 | 0) + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // 11-byte varint
      Self.varint(18 << 3 | 2) + [2, 0x08],  // steps: a StepTiming cut short
    ]
    for extra in refused {
      let (reference, wire) = Self.readBothWays(Self.lengthDelimited(field: 1, record + extra))
      #expect(reference == nil, "SwiftProtobuf accepted \(extra)")
      #expect(wire == nil, "the wire reader accepted \(extra)")
    }
  }

  @Test("the deserializer answers INVALID_ARGUMENT for bytes that are no request")
  func deserializerError() throws {
    let good: [UInt8] = try Workcell_Yield_V1_ReportCyclesRequest.with {
      $0.cycles = [.with { $0.cell = "c1" }]
    }.serializedBytes()
    let deserializer = CycleDraftsDeserializer(request: Workcell_Yield_V1_ReportCycleBatchRequest.self)
    #expect(try deserializer.deserialize(good).map(\.cell) == ["c1"])
    let error = #expect(throws: RPCError.self) {
      try deserializer.deserialize(Array(good.dropLast()))
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("ReportCycleBatchRequest") == true, "\(String(describing: error))")
  }
}
