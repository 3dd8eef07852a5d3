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
  /// Recovery after a failed grasp or touch check: put the nut back into the feeder's nest and
  /// open the fingers, so the next grasp takes it afresh.
  case returnToNest = "return_to_nest"
  /// Recovery after an insert that did not seat the nut (jammed on the pin's top, or not pushed
  /// home in time): lift it clear of the pin, then align again from the fixture camera and
  /// insert again.
  case liftOff = "lift_off"

  /// The steps every cycle runs, in order; the recoveries run only after a failure.
  public static let sequence: [CycleStep] = [
    .requestPart, .perceivePart, .reach, .grasp, .graspCheck, .carry, .align, .insert, .releaseRetreat, .fasten,
    .report,
  ]
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
  /// Grasp/insert tries (≥ 1): 1 + re-grasps + re-inserts, so first-pass (no recovery) means 1.
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
  /// listed: looking again, re-grasping (`grasp` bounds the grasp + touch-check loop, each
  /// re-grasp after `returnToNest`) and re-aligning before contact, and re-inserting (`insert`,
  /// each re-insert after `liftOff` and a new `align`: the nut is off the pin again, so the push
  /// starts over). Fasten is never repeated (a second fastening overtightens the nut), nor is
  /// anything after a safety stop.
  public var attemptsAllowed: [CycleStep: Int]
  /// The line's takt: a recovery starts only when the rest of the cycle still fits in it with
  /// every remaining step at its full budget.
  public var taktMs: Int

  public init(stepBudgetMs: [CycleStep: Int], attemptsAllowed: [CycleStep: Int], taktMs: Int = 76_000) {
    self.stepBudgetMs = stepBudgetMs
    self.attemptsAllowed = attemptsAllowed
    self.taktMs = taktMs
  }

  /// Budgets for the reference cell's 76 s takt: 67 s in all when every step uses its full budget
  /// once. Recoveries (two re-grasps, one re-insert) start only while the rest still fits.
  public static let reference = CyclePlan(
    stepBudgetMs: [
      .requestPart: 8_000, .perceivePart: 2_000, .reach: 6_000, .grasp: 4_000, .graspCheck: 5_000, .carry: 8_000,
      .align: 6_000, .insert: 5_000, .releaseRetreat: 4_000, .fasten: 15_000, .report: 4_000,
      .returnToNest: 2_000, .liftOff: 3_000,
    ],
    attemptsAllowed: [.perceivePart: 3, .grasp: 3, .align: 2, .insert: 2])

  func budget(_ step: CycleStep) -> Int { stepBudgetMs[step] ?? 5_000 }
  func attempts(_ step: CycleStep) -> Int { max(1, attemptsAllowed[step] ?? 1) }

  /// The budgets of `recovery` and of every step from `resume` to fasten, in milliseconds: what a
  /// recovery that resumes at `resume` may still take.
  func budgetToFinish(after recovery: CycleStep, resume: CycleStep) -> Int {
    let rest = CycleStep.sequence.drop { $0 != resume }.prefix { $0 != .report }
    return budget(recovery) + rest.reduce(0) { $0 + budget($1) }
  }
}

/// One cycle as a pure state machine: feed it step events with the time they happened, it answers
/// with the next step to run or the verdict. No I/O, no clock of its own, so every path is
/// table-tested and a simulated shift runs it as fast as the machine allows.
public struct CycleSequence: Sendable {
  public let plan: CyclePlan
  public private(set) var step: CycleStep?
  public private(set) var attempt = 0
  /// Grasp tries of the cycle: 1 + re-grasps.
  public private(set) var graspAttempts = 1
  /// Insert tries of the cycle: 1 + re-inserts.
  public private(set) var insertAttempts = 1
  /// The record's `attempts`: grasp and insert tries together (1 = first pass, no recovery).
  public var attempts: Int { graspAttempts + insertAttempts - 1 }
  public private(set) var verdict: CycleVerdict?
  private var startedAt: Date?
  private var stepStartedAt: Date?
  private var timings: [StepTiming] = []
  private var torqueNm: Double?
  private var angleDeg: Double?
  /// The failure a recovery in progress answers (the verdict if the recovery fails).
  private var pendingFailure: FailureCode?

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
    case .grasp, .graspCheck, .returnToNest: .gripSlip
    case .align: .splineMisaligned
    case .insert, .liftOff: .nutNotSeated
    case .fasten: .fixtureTimeout
    case .report: .other
    }
  }

  private mutating func retryOrFail(_ step: CycleStep, reason: FailureCode, at now: Date) -> SequencerCommand {
    // Safety and PLC faults are never retried.
    let retryable = reason != .plcFault && reason != .estop
    switch step {
    case .grasp, .graspCheck:
      // A failed grasp or touch check means re-grasping: the nut goes back into the feeder's nest
      // and the fingers open (`returnToNest`), then close on it again — counted in the record's
      // attempts, limited by the plan's grasp attempts and the takt.
      guard retryable, graspAttempts < plan.attempts(.grasp), fits(.returnToNest, resume: .grasp, at: now) else {
        return finish(.nok, reason, at: now)
      }
      closeTiming(at: now)
      pendingFailure = reason
      return begin(.returnToNest, attempt: graspAttempts, at: now)
    case .insert where reason == .nutNotSeated:
      // The nut is still in the fingers but not seated (jammed on the pin's top, or not home in
      // time): lift it off, look at the spline again and push again. A nut the magnet took
      // (magnetic_pull_off) is gone: nothing to re-insert.
      guard retryable, insertAttempts < plan.attempts(.insert), fits(.liftOff, resume: .align, at: now) else {
        return finish(.nok, reason, at: now)
      }
      closeTiming(at: now)
      pendingFailure = reason
      return begin(.liftOff, attempt: insertAttempts, at: now)
    case .insert:
      return finish(.nok, reason, at: now)
    case .returnToNest, .liftOff:
      // A recovery that failed ends the cycle with the failure that called for it.
      return finish(.nok, pendingFailure ?? reason, at: now)
    default:
      guard retryable, attempt < plan.attempts(step) else { return finish(.nok, reason, at: now) }
      closeTiming(at: now)
      return begin(step, attempt: attempt + 1, at: now)
    }
  }

  private mutating func advance(from step: CycleStep, at now: Date) -> SequencerCommand {
    closeTiming(at: now)
    switch step {
    case .returnToNest:
      graspAttempts += 1
      pendingFailure = nil
      return begin(.grasp, attempt: graspAttempts, at: now)
    case .liftOff:
      insertAttempts += 1
      pendingFailure = nil
      return begin(.align, attempt: 1, at: now)
    case .align:
      return begin(.insert, attempt: insertAttempts, at: now)
    default:
      // The cycle's result is known once fastened; writing the record (`report`) is the caller's
      // last act with the verdict, not part of the cycle's time.
      let all = CycleStep.sequence
      guard step != .fasten, let index = all.firstIndex(of: step), index + 1 < all.count else {
        return finish(.ok, nil, at: now)
      }
      return begin(all[index + 1], attempt: 1, at: now)
    }
  }

  /// Whether a recovery started at `now` still leaves the cycle inside the takt with every step
  /// from `resume` to fasten at its full budget.
  private func fits(_ recovery: CycleStep, resume: CycleStep, at now: Date) -> Bool {
    let elapsedMs = Int(((now.timeIntervalSince(startedAt ?? now)) * 1000).rounded(.up))
    return elapsedMs + plan.budgetToFinish(after: recovery, resume: resume) <= plan.taktMs
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
      outcome: outcome, failureCode: outcome == .ok ? nil : code, attempts: attempts, torqueNm: torqueNm,
      angleDeg: angleDeg, startedAt: startedAt ?? now, endedAt: now, timings: timings)
    self.verdict = verdict
    step = nil
    return .finish(verdict)
  }
}
