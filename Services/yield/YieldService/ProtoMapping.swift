import Foundation
import SwiftProtobuf
import WorkcellProto
import YieldKPI
import YieldStore

// The proto enums number their values in the order YIELD-API.md lists them, as YieldKPI's
// `allCases` do; these mappings rely on that and FleetTests/YieldServiceTests check it.

extension Workcell_Common_V1_FailureCode {
  /// The API's spelling; nil for UNSPECIFIED, `unrecognized(n)` for a number this build does not know.
  var apiName: String? {
    switch self {
    case .unspecified: nil
    case .UNRECOGNIZED(let value): "unrecognized(\(value))"
    default: FailureCode(self)?.rawValue ?? "unrecognized(\(rawValue))"
    }
  }

  init(_ code: FailureCode) {
    let index = FailureCode.allCases.firstIndex(of: code)!
    self = Self(rawValue: index + 1) ?? .other
  }
}

extension FailureCode {
  init?(_ proto: Workcell_Common_V1_FailureCode) {
    let index = proto.rawValue - 1
    guard FailureCode.allCases.indices.contains(index) else { return nil }
    self = FailureCode.allCases[index]
  }
}

extension MachineState {
  init?(_ proto: Workcell_Common_V1_MachineState) {
    let index = proto.rawValue - 1
    guard MachineState.allCases.indices.contains(index) else { return nil }
    self = MachineState.allCases[index]
  }
}

extension Workcell_Common_V1_CycleOutcome {
  init(_ outcome: CycleOutcome) {
    switch outcome {
    case .ok: self = .ok
    case .nok: self = .nok
    case .aborted: self = .aborted
    }
  }

  /// The API's spelling; nil for UNSPECIFIED (no filter).
  var apiName: String? {
    switch self {
    case .ok: "ok"
    case .nok: "nok"
    case .aborted: "aborted"
    default: nil
    }
  }
}

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
