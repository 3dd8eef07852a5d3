import CycleSequencing
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime
import YieldKPI

/// The finished cycle in the contract's terms: the record yield receives, the fixture's fault
/// code as a failure, the sequencer's step as the proto's.
extension RobotCycleRunner {
  /// The record a cycle leaves if the cell stops under it: aborted, `cell_restart`, ended when it
  /// started (the restart fills in when it found out).
  func interruptedRecord(_ context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    var record = recordOf(context)
    record.startedAt = Google_Protobuf_Timestamp(date: context.startedAt)
    record.endedAt = record.startedAt
    record.outcome = .aborted
    record.attempts = 1
    record.failureCode = .cellRestart
    return record
  }

  /// The cycle record yield receives.
  func record(_ verdict: CycleVerdict, context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    var record = recordOf(context)
    record.startedAt = Google_Protobuf_Timestamp(date: verdict.startedAt)
    record.endedAt = Google_Protobuf_Timestamp(date: verdict.endedAt)
    record.cycleMs = UInt32(clamping: max(0, verdict.cycleMs))
    record.outcome = Workcell_Common_V1_CycleOutcome(verdict.outcome)
    record.attempts = UInt32(clamping: verdict.attempts)
    record.failureCode = verdict.failureCode.map(Workcell_Common_V1_FailureCode.init) ?? .unspecified
    if let torque = verdict.torqueNm { record.torqueNm = torque }
    if let angle = verdict.angleDeg { record.angleDeg = angle }
    record.steps = verdict.timings.map { timing in
      .with {
        $0.step = Workcell_Common_V1_CycleStep(timing.step)
        $0.startedAt = Google_Protobuf_Timestamp(date: timing.startedAt)
        $0.durationMs = UInt32(clamping: timing.durationMs)
        $0.attempts = UInt32(clamping: timing.attempts)
      }
    }
    return record
  }

  /// What every record of this cycle says whatever its end: ids, where, the model, the takt.
  private func recordOf(_ context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    .with {
      $0.cycleID = context.cycleID
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot.id
      $0.station = config.station
      $0.modelVersion = context.modelVersion
      $0.idealCycleMs = UInt32(clamping: config.idealCycleMs)
    }
  }

  /// The fixture's fault code as the cycle's failure.
  static func failure(_ code: Workcell_Plc_V1_PlcFaultCode) -> FailureCode {
    switch code {
    case .nutNotSeated: .nutNotSeated
    case .crossThread: .crossThread
    case .torqueLow: .torqueLow
    case .torqueHigh: .torqueHigh
    case .heartbeatLost, .handshakeTimeout: .plcFault
    default: .other
    }
  }
}

extension Workcell_Common_V1_CycleStep {
  /// The proto step of a sequencer step (both list the steps in docs/architecture.md's order).
  init(_ step: CycleStep) {
    self = CycleStep.allCases.firstIndex(of: step).flatMap { Self(rawValue: $0 + 1) } ?? .unspecified
  }
}
