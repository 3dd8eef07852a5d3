import CycleSequencing
import Foundation
import Synchronization
import YieldKPI

/// What the sequencer has been asked to do with one robot, and where it stands: shared between
/// the RPCs (which change the request) and the robot's cycle loop (which follows it).
final class RobotSlot: Sendable {
  enum RunState: Sendable, Hashable {
    case idle, running, pausing, paused, stopping, faulted
  }

  struct Status: Sendable {
    var runState = RunState.idle
    var step: CycleStep?
    var stepStartedAt: Date?
    var cycleID: String?
    var cyclesDone: UInt64 = 0
    var cyclesOK: UInt64 = 0
    var lastOutcome: CycleOutcome?
    var lastFailure: FailureCode?
    var lastCycleMs: Int = 0
    /// Cycles still to run before stopping; nil = until stopped.
    var cyclesLeft: UInt32?
    /// Abort the cycle in progress (Stop with abort_cycles).
    var abortRequested = false
    /// Why the robot faulted, for the operator.
    var faultReason: String?
    /// What a running robot waits for before its next cycle (a service that does not answer).
    var waitingFor: String?
  }

  let robot: String
  private let status = Mutex(Status())

  init(robot: String) { self.robot = robot }

  var snapshot: Status { status.withLock { $0 } }

  func update<T>(_ body: (inout Status) -> T) -> T { status.withLock { body(&$0) } }

  /// Start (or continue after Pause, or restart after a stop or fault) with `cycleLimit` cycles
  /// (0 = until stopped). A faulted robot needs `recovered` (its reset done) first.
  func start(cycleLimit: UInt32) {
    status.withLock {
      $0.runState = .running
      $0.cyclesLeft = cycleLimit == 0 ? nil : cycleLimit
      $0.abortRequested = false
      $0.faultReason = nil
    }
  }

  func pause() {
    status.withLock {
      switch $0.runState {
      case .running: $0.runState = $0.cycleID == nil ? .paused : .pausing
      default: break
      }
    }
  }

  func stop(abort: Bool) {
    status.withLock {
      switch $0.runState {
      case .running, .pausing, .paused:
        if $0.cycleID == nil {
          $0.runState = .idle
        } else {
          $0.runState = .stopping
          $0.abortRequested = abort
        }
      case .stopping: $0.abortRequested = $0.abortRequested || abort
      case .idle, .faulted: break
      }
    }
  }

  /// Called by the loop after a cycle: counts it and moves to the state the requests asked for.
  func finished(_ verdict: CycleVerdict, faulted reason: String?) {
    status.withLock {
      $0.cyclesDone += 1
      if verdict.outcome == .ok { $0.cyclesOK += 1 }
      $0.lastOutcome = verdict.outcome
      $0.lastFailure = verdict.failureCode
      $0.lastCycleMs = verdict.cycleMs
      $0.step = nil
      $0.stepStartedAt = nil
      $0.cycleID = nil
      $0.abortRequested = false
      if let reason {
        $0.runState = .faulted
        $0.faultReason = reason
        return
      }
      if let left = $0.cyclesLeft {
        $0.cyclesLeft = left > 0 ? left - 1 : 0
        if left <= 1, $0.runState == .running { $0.runState = .idle }
      }
      switch $0.runState {
      case .pausing: $0.runState = .paused
      case .stopping: $0.runState = .idle
      default: break
      }
    }
  }
}
