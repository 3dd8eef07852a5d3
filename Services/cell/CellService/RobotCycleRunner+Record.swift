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
    .with {
      $0.cycleID = context.cycleID
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot.id
      $0.station = config.station
      $0.startedAt = Google_Protobuf_Timestamp(date: context.startedAt)
      $0.endedAt = $0.startedAt
      $0.outcome = .aborted
      $0.attempts = 1
      $0.failureCode = .cellRestart
      $0.modelVersion = context.modelVersion
      $0.idealCycleMs = UInt32(clamping: config.idealCycleMs)
    }
  }

  /// The cycle record yield receives.
  func record(_ verdict: CycleVerdict, context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    .with {
      $0.cycleID = context.cycleID
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot.id
      $0.station = config.station
      $0.startedAt = Google_Protobuf_Timestamp(date: verdict.startedAt)
      $0.endedAt = Google_Protobuf_Timestamp(date: verdict.endedAt)
      $0.cycleMs = UInt32(clamping: max(0, verdict.cycleMs))
      $0.outcome = Workcell_Common_V1_CycleOutcome(verdict.outcome)
      $0.attempts = UInt32(clamping: verdict.attempts)
      $0.failureCode = verdict.failureCode.map(Workcell_Common_V1_FailureCode.init) ?? .unspecified
      if let torque = verdict.torqueNm { $0.torqueNm = torque }
      if let angle = verdict.angleDeg { $0.angleDeg = angle }
      $0.modelVersion = context.modelVersion
      $0.idealCycleMs = UInt32(clamping: config.idealCycleMs)
      $0.steps = verdict.timings.map { timing in
        .with {
          $0.step = Workcell_Common_V1_CycleStep(timing.step)
          $0.startedAt = Google_Protobuf_Timestamp(date: timing.startedAt)
          $0.durationMs = UInt32(clamping: timing.durationMs)
          $0.attempts = UInt32(clamping: timing.attempts)
        }
      }
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
