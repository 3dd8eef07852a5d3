import Foundation
import SwiftProtobuf
import WorkcellProto
import YieldKPI

/// Any JSON document, as a REST body is read before its records are validated field by field.
enum AnyJSON: Decodable, Sendable {
  case null
  case bool(Bool)
  case integer(Int)
  case number(Double)
  case string(String)
  case array([AnyJSON])
  case object([String: AnyJSON])

  init(from decoder: any Swift.Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([AnyJSON].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: AnyJSON].self))
    }
  }

  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .integer, .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

/// Reads the fields of one JSON record, noting every field of the wrong type.
struct JSONRecordReader {
  let object: [String: AnyJSON]
  var problems: [(field: String, problem: String)] = []

  init(_ object: [String: AnyJSON]) { self.object = object }

  /// A string; null or absent is nil (the validator decides whether it was required).
  mutating func string(_ field: String) -> String? {
    switch object[field] {
    case nil, .null: return nil
    case .string(let value): return value
    case let other?:
      problems.append((field, "must be a string, got \(other.typeName)"))
      return nil
    }
  }

  /// An integer (a number without fraction).
  mutating func integer(_ field: String) -> Int? {
    switch object[field] {
    case nil, .null: return nil
    case .integer(let value): return value
    case .number(let value) where value == value.rounded() && abs(value) < 1e15: return Int(value)
    case let other?:
      problems.append((field, "must be an integer, got \(other.typeName == "a number" ? "a fraction" : other.typeName)"))
      return nil
    }
  }

  /// A number.
  mutating func number(_ field: String) -> Double? {
    switch object[field] {
    case nil, .null: return nil
    case .integer(let value): return Double(value)
    case .number(let value): return value
    case let other?:
      problems.append((field, "must be a number, got \(other.typeName)"))
      return nil
    }
  }

  /// An RFC 3339 date-time with offset.
  mutating func time(_ field: String) -> Date? {
    guard let text = string(field) else { return nil }
    guard let date = RFC3339.parse(text) else {
      problems.append((field, "must be an RFC 3339 date-time with offset like 2026-11-25T06:00:00Z, got '\(text.prefix(60))'"))
      return nil
    }
    return date
  }
}

extension CycleDraft {
  /// A draft from one element of a REST body's `cycles` array.
  init(json: AnyJSON) {
    guard case .object(let object) = json else {
      self.init(readProblems: [("", "must be a JSON object, got \(json.typeName)")])
      return
    }
    var reader = JSONRecordReader(object)
    self.init(
      cycleID: reader.string("cycle_id"), plant: reader.string("plant"), line: reader.string("line"),
      cell: reader.string("cell"), robot: reader.string("robot"), station: reader.string("station"),
      partSerial: reader.string("part_serial"), startedAt: reader.time("started_at"), endedAt: reader.time("ended_at"),
      cycleMs: reader.integer("cycle_ms"), outcome: reader.string("outcome"), attempts: reader.integer("attempts"),
      failureCode: reader.string("failure_code"), torqueNm: reader.number("torque_nm"),
      angleDeg: reader.number("angle_deg"), modelVersion: reader.string("model_version"),
      idealCycleMs: reader.integer("ideal_cycle_ms"))
    readProblems = reader.problems
  }

  /// A draft from a gRPC record SwiftProtobuf decoded.
  init(proto record: Workcell_Common_V1_CycleRecord) {
    self.init(wire: CycleRecordFields(record))
  }

  /// A draft from a gRPC record's fields as they came off the wire (``CycleRecordFields``): the one
  /// place the record's meaning is read, whichever decoder filled them. proto3 scalars cannot be
  /// missing, so their zero values stand for "not given" where zero is not a valid value
  /// (UNSPECIFIED enums, empty ids, unset timestamps).
  init(wire record: CycleRecordFields) {
    var problems: [(field: String, problem: String)] = []
    func time(_ value: Google_Protobuf_Timestamp?, _ field: String) -> Date? {
      guard let value else { return nil }
      guard (-62_135_596_800...253_402_300_799).contains(value.seconds), (0..<1_000_000_000).contains(value.nanos) else {
        problems.append((field, "is not a valid timestamp"))
        return nil
      }
      return value.date
    }
    let outcome: String? =
      switch record.outcome {
      case .ok: "ok"
      case .nok: "nok"
      case .aborted: "aborted"
      case .unspecified: nil
      case .UNRECOGNIZED(let value): "unrecognized(\(value))"
      }
    self.init(
      cycleID: record.cycleID.nilIfEmpty, plant: record.plant.nilIfEmpty, line: record.line.nilIfEmpty,
      cell: record.cell.nilIfEmpty, robot: record.robot.nilIfEmpty, station: record.station.nilIfEmpty,
      partSerial: record.partSerial.nilIfEmpty,
      startedAt: time(record.startedAt, "started_at"),
      endedAt: time(record.endedAt, "ended_at"), cycleMs: Int(record.cycleMs), outcome: outcome,
      attempts: record.attempts == 0 ? nil : Int(record.attempts), failureCode: record.failureCode.apiName,
      torqueNm: record.torqueNm, angleDeg: record.angleDeg,
      modelVersion: record.modelVersion.nilIfEmpty,
      idealCycleMs: record.idealCycleMs == 0 ? nil : Int(record.idealCycleMs))
    readProblems = problems
  }
}

extension StateEventDraft {
  /// A draft from one element of a REST body's `events` array.
  init(json: AnyJSON) {
    guard case .object(let object) = json else {
      self.init(readProblems: [("", "must be a JSON object, got \(json.typeName)")])
      return
    }
    var reader = JSONRecordReader(object)
    self.init(
      eventID: reader.string("event_id"), cell: reader.string("cell"), robot: reader.string("robot"),
      state: reader.string("state"), reason: reader.string("reason"), startedAt: reader.time("started_at"),
      endedAt: reader.time("ended_at"))
    readProblems = reader.problems
  }

  /// A draft from a gRPC state event.
  init(proto event: Workcell_Common_V1_StateEvent) {
    let state: String? =
      switch event.state {
      case .unspecified: nil
      case .UNRECOGNIZED(let value): "unrecognized(\(value))"
      default: MachineState(event.state)?.rawValue
      }
    self.init(
      eventID: event.eventID.nilIfEmpty, cell: event.cell.nilIfEmpty, robot: event.robot.nilIfEmpty, state: state,
      reason: event.reason, startedAt: event.hasStartedAt ? event.startedAt.date : nil,
      endedAt: event.hasEndedAt ? event.endedAt.date : nil)
  }
}

extension String {
  var nilIfEmpty: String? { isEmpty ? nil : self }
}
