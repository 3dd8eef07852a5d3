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
      // A slip found by touch: re-grasp once, then ok — not first pass.
      (
        [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip)] + Array(repeating: StepEvent.succeeded, count: 6)
          + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)],
        "ok", nil as FailureCode?, 2
      ),
      // Slip twice: re-grasps exhausted → grip_slip.
      (
        [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip), .succeeded, .failed(.gripSlip)],
        "nok", .gripSlip, 2
      ),
      // No part presented in time.
      ([.deadlinePassed], "nok", .feederTimeout, 1),
      // Vision lost three times (two retries) → vision_lost.
      ([.succeeded, .failed(.visionLost), .failed(.visionLost), .failed(.visionLost)], "nok", .visionLost, 1),
      // Insert is never repeated: one timeout is nut_not_seated.
      (Array(repeating: StepEvent.succeeded, count: 7) + [.deadlinePassed], "nok", .nutNotSeated, 1),
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
      [.succeeded, .succeeded, .succeeded, .succeeded, .failed(.gripSlip)] + Array(repeating: .succeeded, count: 6)
      + [.fastened(torqueNm: 12, angleDeg: 90, failure: nil)]
    let (steps, verdict) = Self.play(script)
    #expect(steps[3...6] == ["grasp", "grasp_check", "grasp#2", "grasp_check"])
    #expect(verdict?.outcome == .ok)
    let grasp = try #require(verdict?.timings.first { $0.step == .grasp })
    #expect(grasp.attempts == 2 && grasp.durationMs == 4_000)
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
    let once = CycleStep.allCases.filter { $0 != .report }.reduce(0) { $0 + CyclePlan.reference.stepBudgetMs[$1]! }
    #expect(once <= 76_000)
  }
}
