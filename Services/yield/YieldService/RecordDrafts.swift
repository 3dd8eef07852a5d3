import Foundation

/// A cycle record as received (REST JSON or gRPC), before validation: nil means missing.
struct CycleDraft: Sendable {
  var cycleID: String?
  var plant: String?
  var line: String?
  var cell: String?
  var robot: String?
  var station: String?
  var partSerial: String?
  var startedAt: Date?
  var endedAt: Date?
  var cycleMs: Int?
  var outcome: String?
  var attempts: Int?
  var failureCode: String?
  var torqueNm: Double?
  var angleDeg: Double?
  var modelVersion: String?
  var idealCycleMs: Int?
  /// Problems found while reading the raw record (wrong JSON type, bad time text …).
  var readProblems: [(field: String, problem: String)] = []
}

/// A state event as received, before validation.
struct StateEventDraft: Sendable {
  var eventID: String?
  var cell: String?
  var robot: String?
  var state: String?
  var reason: String?
  var startedAt: Date?
  var endedAt: Date?
  var readProblems: [(field: String, problem: String)] = []
}
