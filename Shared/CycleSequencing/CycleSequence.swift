import Foundation
import YieldKPI

/// The steps of one cycle (docs/architecture.md "The plant, the cell, the cycle"), in order.
public enum CycleStep: String, Sendable, Hashable, CaseIterable, Codable {
  /// Feeder handshake: FEED_REQUEST until PART_PRESENT.
  case requestPart = "request_part"
  /// Vision locates the presented nut.
  case perceivePart = "perceive_part"
  /// The arm moves to the pre-grasp pose.
  case reach
  /// Fingers close on the nut; PART_TAKEN confirmed to the feeder.
  case grasp
  /// Touch check (seated in the fingers, spline phase, slip) with the tactile refine loop.
  case graspCheck = "grasp_check"
  /// Carry the nut to the fixture.
  case carry
  /// Align the inner spline with the pin against its magnetic pull.
  case align
  /// Push the nut onto the pin until NUT_SEATED.
  case insert
  /// Open the fingers and back away from the fixture.
  case releaseRetreat = "release_retreat"
  /// Clamp, fasten, read torque/angle, release (fixture handshake).
  case fasten
  /// Write the cycle record to the outbox (after the verdict; not timed in the cycle).
  case report
}

/// What happened to the step the sequencer was running.
public enum StepEvent: Sendable, Hashable {
  /// The step did its job.
  case succeeded
  /// The step failed for `reason` (e.g. a grasp check that found slip: `grip_slip`).
  case failed(FailureCode)
  /// The step's deadline passed before it finished.
  case deadlinePassed
  /// The safety chain opened (e-stop, door): the cycle stops at once.
  case safetyStop
  /// An operator or the line stopped the cell (Stop): the cycle is abandoned without a verdict.
  case stopRequested
  /// The fixture's fastening result (only in `fasten`): in the window, or the failure it reported.
  case fastened(torqueNm: Double, angleDeg: Double, failure: FailureCode?)
  /// A service the step needs (the policy, perception, control, plc-bridge) does not answer: an
  /// outage, not a bad part. The cycle is aborted with `reason` (never retried, never nok); the
  /// robot then holds until the service is back (docs/cell.md, "Outages").
  case serviceUnavailable(FailureCode)
}

/// The sequencer's next move.
public enum SequencerCommand: Sendable, Hashable {
  /// Run `step` (attempt `attempt`, from 1) and report by `deadline`.
  case run(CycleStep, attempt: Int, deadline: Date)
  /// The cycle is over: report this verdict.
  case finish(CycleVerdict)
}

/// How a cycle ended, as its cycle record says it.
public struct CycleVerdict: Sendable, Hashable {
  public var outcome: CycleOutcome
  /// Nil exactly when the outcome is ok.
  public var failureCode: FailureCode?
  /// Grasp/insert tries (≥ 1): first-pass means 1.
  public var attempts: Int
  public var torqueNm: Double?
  public var angleDeg: Double?
  public var startedAt: Date
  public var endedAt: Date
  /// Wall time per step, all attempts, in step order.
  public var timings: [StepTiming]

  public var cycleMs: Int { Int((endedAt.timeIntervalSince(startedAt) * 1000).rounded()) }
}

/// Time spent in one step.
public struct StepTiming: Sendable, Hashable {
  public var step: CycleStep
  public var startedAt: Date
  public var durationMs: Int
  public var attempts: Int
}

/// Per-step time budgets and retry limits of the cycle, inside the line's takt.
public struct CyclePlan: Sendable, Hashable {
  /// The longest each attempt of a step may take.
  public var stepBudgetMs: [CycleStep: Int]
  /// Attempts allowed per step; steps not listed get one. Only steps that are safe to repeat are
  /// listed: looking again, re-grasping (`grasp` bounds the grasp + touch-check loop) and
  /// re-aligning before contact. Insert and
  /// fasten are never repeated (a second push can cross-thread the nut; a second fastening
  /// overtightens it), nor is anything after a safety stop.
  public var attemptsAllowed: [CycleStep: Int]

  public init(stepBudgetMs: [CycleStep: Int], attemptsAllowed: [CycleStep: Int]) {
    self.stepBudgetMs = stepBudgetMs
    self.attemptsAllowed = attemptsAllowed
  }

  /// Budgets for the reference cell's 76 s takt: 67 s in all when every step uses its full budget
  /// once, leaving room for one retry of a short step.
  public static let reference = CyclePlan(
    stepBudgetMs: [
      .requestPart: 8_000, .perceivePart: 2_000, .reach: 6_000, .grasp: 4_000, .graspCheck: 5_000, .carry: 8_000,
      .align: 6_000, .insert: 5_000, .releaseRetreat: 4_000, .fasten: 15_000, .report: 4_000,
    ],
    attemptsAllowed: [.perceivePart: 3, .grasp: 2, .align: 2])

  func budget(_ step: CycleStep) -> Int { stepBudgetMs[step] ?? 5_000 }
  func attempts(_ step: CycleStep) -> Int { max(1, attemptsAllowed[step] ?? 1) }
}

/// One cycle as a pure state machine: feed it step events with the time they happened, it answers
/// with the next step to run or the verdict. No I/O, no clock of its own, so every path is
/// table-tested and a simulated shift runs it as fast as the machine allows.
public struct CycleSequence: Sendable {
  public let plan: CyclePlan
  public private(set) var step: CycleStep?
  public private(set) var attempt = 0
  /// Grasp/insert tries of the cycle (the record's `attempts`): 1 + re-grasps.
  public private(set) var graspAttempts = 1
  public private(set) var verdict: CycleVerdict?
  private var startedAt: Date?
  private var stepStartedAt: Date?
  private var timings: [StepTiming] = []
  private var torqueNm: Double?
  private var angleDeg: Double?

  public init(plan: CyclePlan = .reference) { self.plan = plan }

  /// Starts the cycle at `now`: the first step to run.
  public mutating func start(at now: Date) -> SequencerCommand {
    precondition(startedAt == nil, "a CycleSequence runs one cycle; make a new one per cycle")
    startedAt = now
    return begin(.requestPart, attempt: 1, at: now)
  }

  /// The next move after `event` happened at `now` in the current step. Events after the verdict
  /// are ignored (the verdict is repeated): a late answer cannot reopen a finished cycle.
  public mutating func handle(_ event: StepEvent, at now: Date) -> SequencerCommand {
    if let verdict { return .finish(verdict) }
    guard let step else { preconditionFailure("handle(_:at:) before start(at:)") }
    switch event {
    case .safetyStop:
      return finish(.aborted, .estop, at: now)
    case .stopRequested:
      return finish(.aborted, .other, at: now)
    case .serviceUnavailable(let reason):
      return finish(.aborted, reason, at: now)
    case .fastened(let torque, let angle, let failure):
      guard step == .fasten else { return finish(.nok, .other, at: now) }
      torqueNm = torque
      angleDeg = angle
      if let failure { return finish(.nok, failure, at: now) }
      return advance(from: step, at: now)
    case .succeeded:
      return advance(from: step, at: now)
    case .failed(let reason):
      return retryOrFail(step, reason: reason, at: now)
    case .deadlinePassed:
      return retryOrFail(step, reason: Self.timeoutCode(step), at: now)
    }
  }

  /// The failure a step's missed deadline means.
  public static func timeoutCode(_ step: CycleStep) -> FailureCode {
    switch step {
    case .requestPart: .feederTimeout
    case .perceivePart: .visionLost
    case .reach, .carry, .releaseRetreat: .controlFault
    case .grasp, .graspCheck: .gripSlip
    case .align: .splineMisaligned
    case .insert: .nutNotSeated
    case .fasten: .fixtureTimeout
    case .report: .other
    }
  }

  private mutating func retryOrFail(_ step: CycleStep, reason: FailureCode, at now: Date) -> SequencerCommand {
    // Safety and PLC faults are never retried.
    let retryable = reason != .plcFault && reason != .estop
    switch step {
    case .grasp, .graspCheck:
      // A failed grasp or touch check means re-grasping: the fingers open and close on the nut
      // again, counted in the record's attempts and limited by the plan's grasp attempts.
      guard retryable, graspAttempts < plan.attempts(.grasp) else { return finish(.nok, reason, at: now) }
      closeTiming(at: now)
      graspAttempts += 1
      return begin(.grasp, attempt: graspAttempts, at: now)
    default:
      guard retryable, attempt < plan.attempts(step) else { return finish(.nok, reason, at: now) }
      closeTiming(at: now)
      return begin(step, attempt: attempt + 1, at: now)
    }
  }

  private mutating func advance(from step: CycleStep, at now: Date) -> SequencerCommand {
    closeTiming(at: now)
    // The cycle's result is known once fastened; writing the record (`report`) is the caller's
    // last act with the verdict, not part of the cycle's time.
    let all = CycleStep.allCases
    let index = all.firstIndex(of: step)!
    guard step != .fasten, index + 1 < all.count else { return finish(.ok, nil, at: now) }
    return begin(all[index + 1], attempt: 1, at: now)
  }

  private mutating func begin(_ next: CycleStep, attempt: Int, at now: Date) -> SequencerCommand {
    step = next
    self.attempt = attempt
    stepStartedAt = now
    return .run(next, attempt: attempt, deadline: now.addingTimeInterval(Double(plan.budget(next)) / 1000))
  }

  /// Adds the time since the step (attempt) started to its timing.
  private mutating func closeTiming(at now: Date) {
    guard let step, let started = stepStartedAt else { return }
    let ms = max(0, Int((now.timeIntervalSince(started) * 1000).rounded()))
    if let index = timings.firstIndex(where: { $0.step == step }) {
      timings[index].durationMs += ms
      timings[index].attempts += 1
    } else {
      timings.append(StepTiming(step: step, startedAt: started, durationMs: ms, attempts: 1))
    }
    stepStartedAt = nil
  }

  private mutating func finish(_ outcome: CycleOutcome, _ code: FailureCode?, at now: Date) -> SequencerCommand {
    closeTiming(at: now)
    let verdict = CycleVerdict(
      outcome: outcome, failureCode: outcome == .ok ? nil : code, attempts: graspAttempts, torqueNm: torqueNm,
      angleDeg: angleDeg, startedAt: startedAt ?? now, endedAt: now, timings: timings)
    self.verdict = verdict
    step = nil
    return .finish(verdict)
  }
}
