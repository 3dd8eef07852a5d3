// libFuzzer harness (scripts/fuzz.sh cycle-wire): yield's hand-written protobuf reader of
// ReportCycles/ReportCycleBatch requests (CycleRecordWire, then CycleDraft(wire:)), held to what
// it promises: it refuses exactly the bytes SwiftProtobuf's generated decoding refuses, and
// otherwise makes the same drafts as CycleDraft(proto:) from SwiftProtobuf's records. A
// difference stops the run like a crash. Compiled with YieldService's wire-reading sources.
import Foundation
import SwiftProtobuf
import WorkcellProto

@_cdecl("LLVMFuzzerTestOneInput")
public func cycleWireFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let wire = Result { () throws(WireFormatError) in try CycleRecordWire.drafts(request: bytes) }
  let reference = Result { try Workcell_Yield_V1_ReportCyclesRequest(serializedBytes: Data(bytes)) }
  switch (wire, reference) {
  case (.success(let drafts), .success(let request)):
    precondition(drafts.count == request.cycles.count, "\(drafts.count) drafts, SwiftProtobuf read \(request.cycles.count)")
    for (index, (draft, record)) in zip(drafts, request.cycles).enumerated() {
      let expected = CycleDraft(proto: record)
      precondition(sameDraft(draft, expected), "record \(index): \(draft) but SwiftProtobuf's gives \(expected)")
    }
  case (.failure, .failure):
    break
  case (.success, .failure(let error)):
    preconditionFailure("the wire reader accepted bytes SwiftProtobuf refuses (\(error))")
  case (.failure(let error), .success):
    preconditionFailure("the wire reader refused bytes SwiftProtobuf accepts (\(error))")
  }
  return 0
}

/// Field for field; NaN equals NaN and times compare by their bits.
func sameDraft(_ a: CycleDraft, _ b: CycleDraft) -> Bool {
  func bits(_ value: Double?) -> UInt64? { value?.bitPattern }
  func bits(_ date: Date?) -> UInt64? { date?.timeIntervalSince1970.bitPattern }
  return a.cycleID == b.cycleID && a.plant == b.plant && a.line == b.line && a.cell == b.cell && a.robot == b.robot
    && a.station == b.station && a.partSerial == b.partSerial && bits(a.startedAt) == bits(b.startedAt)
    && bits(a.endedAt) == bits(b.endedAt) && a.cycleMs == b.cycleMs && a.outcome == b.outcome
    && a.attempts == b.attempts && a.failureCode == b.failureCode && bits(a.torqueNm) == bits(b.torqueNm)
    && bits(a.angleDeg) == bits(b.angleDeg) && a.modelVersion == b.modelVersion && a.idealCycleMs == b.idealCycleMs
    && a.readProblems.map(\.field) == b.readProblems.map(\.field)
    && a.readProblems.map(\.problem) == b.readProblems.map(\.problem)
}
