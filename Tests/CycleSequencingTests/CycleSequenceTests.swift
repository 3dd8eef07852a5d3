import CycleSequencing
import Foundation
import Testing
import YieldKPI

@Suite("Cycle sequence (the cell's state machine)")
struct CycleSequenceTests {
  static let t0 = Date(timeIntervalSince1970: 1_795_586_400)

  /// Plays `script` (one event per step run, each taking `stepS` seconds) and returns the steps
  /// run and the verdict.
  static func play(
    _ script: [StepEvent], stepS: Double = 2, plan: CyclePlan = .reference
  ) -> (steps: [String], verdict: CycleVerdict?) {
    var sequence = CycleSequence(plan: plan)
    var now = t0
    var command = sequence.start(at: now)
    var steps: [String] = []
    var events = script[...]
    while case .run(let step, let attempt, _) = command {
      steps.append(attempt > 1 ? "\(step.rawValue)#\(attempt)" : step.rawValue)
      guard let event = events.popFirst() else { return (steps, nil) }
      now += stepS
      command = sequence.handle(event, at: now)
    }
    guard case .finish(let verdict) = command else { return (steps, nil) }
    return (steps, verdict)
  }

  static let happy: [StepEvent] =
    Array(repeating: .succeeded, count: 9) + [.fastened(torqueNm: 12.4, angleDeg: 91, failure: nil)]

  @Test("the happy path runs every step once, ends ok at fastening, first pass")
  func happyPath() throws {
    let (steps, verdict) = Self.play(Self.happy)
    #expect(steps == [
      "request_part", "perceive_part", "reach", "grasp", "grasp_check", "carry", "align", "insert", "release_retreat",
      "fasten",
    ])
    let result = try #require(verdict)
    #expect(result.outcome == .ok && result.failureCode == nil && result.attempts == 1)
    #expect(result.torqueNm == 12.4 && result.angleDeg == 91)
    #expect(result.cycleMs == 20_000)
    #expect(result.timings.map(\.durationMs) == Array(repeating: 2_000, count: 10))
  }

  @Test(
    "failures classify the cycle; only safe steps are retried",
    arguments: [
      // A slip found by touch: back to the nest, re-grasp once, then ok — not first pass.
      (
        [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip)] + Array(repeating: StepEvent.succeeded, count: 7)
          + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)],
        "ok", nil as FailureCode?, 2
      ),
      // Slip three times: re-grasps exhausted → grip_slip.
      (
        [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip), .succeeded, .succeeded, .failed(.gripSlip)]
          + [.succeeded, .succeeded, .failed(.gripSlip)],
        "nok", .gripSlip, 3
      ),
      // The nut would not go back into the nest: the recovery failed, the cycle is the slip's.
      (
        [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip), .failed(.controlFault)],
        "nok", .gripSlip, 1
      ),
      // No part presented in time.
      ([.deadlinePassed], "nok", .feederTimeout, 1),
      // Vision lost three times (two retries) → vision_lost.
      ([.succeeded, .failed(.visionLost), .failed(.visionLost), .failed(.visionLost)], "nok", .visionLost, 1),
      // An insert that timed out: lift off, align, insert again; twice is nut_not_seated.
      (
        Array(repeating: StepEvent.succeeded, count: 7) + [.deadlinePassed, .succeeded, .succeeded, .deadlinePassed],
        "nok", .nutNotSeated, 2
      ),
      // … and once is recovered: ok, not first pass.
      (
        Array(repeating: StepEvent.succeeded, count: 7) + [.deadlinePassed] + Array(repeating: StepEvent.succeeded, count: 4)
          + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)],
        "ok", nil, 2
      ),
      // The lift-off lost the nut: the cycle is the insert's failure.
      (
        Array(repeating: StepEvent.succeeded, count: 7) + [.deadlinePassed, .failed(.magneticPullOff)],
        "nok", .nutNotSeated, 1
      ),
      // A nut the magnet took during the insert is gone: nothing to re-insert.
      (Array(repeating: StepEvent.succeeded, count: 7) + [.failed(.magneticPullOff)], "nok", .magneticPullOff, 1),
      // The magnet pulled the nut off during alignment twice.
      (
        Array(repeating: StepEvent.succeeded, count: 6) + [.failed(.magneticPullOff), .failed(.magneticPullOff)],
        "nok", .magneticPullOff, 1
      ),
      // Fastening reports low torque: nok with the fixture's code, no retry.
      (
        Array(repeating: StepEvent.succeeded, count: 9) + [.fastened(torqueNm: 7.9, angleDeg: 40, failure: .torqueLow)],
        "nok", .torqueLow, 1
      ),
      // E-stop while carrying: aborted, not in yield.
      (Array(repeating: StepEvent.succeeded, count: 5) + [.safetyStop], "aborted", .estop, 1),
      // A PLC fault is never retried, even in a retryable step.
      ([.succeeded, .succeeded, .succeeded, .failed(.plcFault)], "nok", .plcFault, 1),
      // The policy stopped answering while reaching (a retryable step): an outage, aborted at
      // once — not retried, not a bad part.
      ([.succeeded, .succeeded, .serviceUnavailable(.policyTimeout)], "aborted", .policyTimeout, 1),
      // The same timeout answered with a refusal is the cycle's failure.
      ([.succeeded, .succeeded, .failed(.policyTimeout)], "nok", .policyTimeout, 1),
    ] as [([StepEvent], String, FailureCode?, Int)])
  func classification(script: [StepEvent], outcome: String, code: FailureCode?, attempts: Int) throws {
    let verdict = try #require(Self.play(script).verdict, "the script did not finish the cycle")
    #expect(verdict.outcome.rawValue == outcome)
    #expect(verdict.failureCode == code)
    #expect(verdict.attempts == attempts)
  }

  @Test("a re-grasp goes back to the fingers and the timing counts both attempts")
  func regraspTiming() throws {
    let script: [StepEvent] =
      [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip)] + Array(repeating: .succeeded, count: 7)
      + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)]
    let (steps, verdict) = Self.play(script)
    #expect(steps[3...7] == ["grasp", "grasp_check", "return_to_nest", "grasp#2", "grasp_check"])
    #expect(verdict?.outcome == .ok)
    let grasp = try #require(verdict?.timings.first { $0.step == .grasp })
    #expect(grasp.attempts == 2 && grasp.durationMs == 4_000)
    let nest = try #require(verdict?.timings.first { $0.step == .returnToNest })
    #expect(nest.attempts == 1 && nest.durationMs == 2_000)
  }

  @Test("a re-insert lifts off, aligns again and pushes again, timed as its own steps")
  func reinsertSteps() throws {
    let script: [StepEvent] =
      Array(repeating: .succeeded, count: 7) + [.deadlinePassed] + Array(repeating: .succeeded, count: 4)
      + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)]
    let (steps, verdict) = Self.play(script)
    #expect(steps[6...] == ["align", "insert", "lift_off", "align", "insert#2", "release_retreat", "fasten"])
    let insert = try #require(verdict?.timings.first { $0.step == .insert })
    #expect(insert.attempts == 2)
    #expect(verdict?.timings.first { $0.step == .align }?.attempts == 2)
  }

  @Test("a recovery starts only while the rest of the cycle fits the takt at full budgets")
  func recoveriesKeepTheTakt() {
    // Insert fails after 8 steps: at 5 s a step, 40 s + lift-off 3 + align 6 + insert 5 +
    // release 4 + fasten 15 = 73 s ≤ 76 s, so it re-inserts; at 6 s a step, 81 s: it does not.
    let script: [StepEvent] = Array(repeating: .succeeded, count: 7) + [.deadlinePassed]
    #expect(Self.play(script + [.succeeded], stepS: 5).steps.last == "align")
    let late = Self.play(script, stepS: 6)
    #expect(late.verdict?.failureCode == .nutNotSeated && late.verdict?.attempts == 1)
    #expect(!late.steps.contains("lift_off"))
    // Without retries in the plan (the --no-retry ablation) nothing is recovered.
    let none = Self.play(script, plan: CyclePlan(stepBudgetMs: CyclePlan.reference.stepBudgetMs, attemptsAllowed: [:]))
    #expect(none.verdict?.outcome == .nok && !none.steps.contains("lift_off"))
  }

  @Test("deadlines come from the plan; events after the verdict change nothing")
  func deadlinesAndLateEvents() {
    var sequence = CycleSequence()
    guard case .run(.requestPart, 1, let deadline) = sequence.start(at: Self.t0) else {
      Issue.record("did not start with request_part")
      return
    }
    #expect(deadline == Self.t0 + 8)
    let first = sequence.handle(.safetyStop, at: Self.t0 + 1)
    let late = sequence.handle(.succeeded, at: Self.t0 + 2)
    #expect(first == late)
    if case .finish(let verdict) = late { #expect(verdict.outcome == .aborted && verdict.cycleMs == 1_000) }
  }

  @Test("the reference plan fits the 76 s takt when every step runs once at its full budget")
  func referencePlanFitsTakt() {
    let once = CycleStep.sequence.filter { $0 != .report }.reduce(0) { $0 + CyclePlan.reference.stepBudgetMs[$1]! }
    #expect(once <= 76_000)
  }
}
