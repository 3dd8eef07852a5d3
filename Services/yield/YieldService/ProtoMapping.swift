import Foundation
import SwiftProtobuf
import WorkcellProto
import YieldKPI
import YieldStore

// The plant vocabulary's proto mappings (FailureCode, CycleOutcome, MachineState) live in
// WorkcellRuntime/PlantVocabularyProto.swift: the cell writes records with them too.

extension Workcell_Yield_V1_GroupBy {
  /// The dimension, or nil for UNSPECIFIED/unknown values.
  var dimension: GroupDimension? {
    switch self {
    case .hour: .hour
    case .shift: .shift
    case .day: .day
    case .cell: .cell
    case .robot: .robot
    case .station: .station
    case .line: .line
    case .modelVersion: .modelVersion
    default: nil
    }
  }
}

extension Workcell_Common_V1_CycleRecord {
  /// A stored row as the gRPC record.
  init(_ row: CycleRow) {
    self.init()
    cycleID = row.cycleID
    plant = row.plant
    line = row.line
    cell = row.cell
    robot = row.robot
    station = row.station
    partSerial = row.partSerial ?? ""
    startedAt = Google_Protobuf_Timestamp(date: row.startedAt)
    endedAt = Google_Protobuf_Timestamp(date: row.endedAt)
    cycleMs = UInt32(clamping: row.cycleMs)
    outcome = CycleOutcome(rawValue: row.outcome).map(Workcell_Common_V1_CycleOutcome.init) ?? .unspecified
    attempts = UInt32(clamping: row.attempts)
    failureCode = row.failureCode.flatMap(FailureCode.init(rawValue:)).map(Workcell_Common_V1_FailureCode.init) ?? .unspecified
    if let torque = row.torqueNm { torqueNm = torque }
    if let angle = row.angleDeg { angleDeg = angle }
    modelVersion = row.modelVersion
    idealCycleMs = UInt32(clamping: row.idealCycleMs)
  }
}
