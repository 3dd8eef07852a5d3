import Foundation
import Testing
import WorkcellProto

@testable import CellService

/// The cell's cycle against fakes of plc-bridge, perception, policy and control over the
/// in-process transport: for each step's failure, the verdict, the failure code, whether the
/// robot halts, and the record yield would receive.
@Suite("RobotCycleRunner against fake peers", .serialized)
struct RobotCycleRunnerTests {
  /// One scenario and what the cycle must end with.
  struct Case: Sendable, CustomStringConvertible {
    var script: FakeCell.Script
    var outcome: Workcell_Common_V1_CycleOutcome
    var failure: Workcell_Common_V1_FailureCode
    /// The last step the record times (the step that failed, or fasten for a finished cycle).
    var lastStep: Workcell_Common_V1_CycleStep
    /// The robot halts (a PLC fault, a control fault): a phrase of the reason.
    var haltsWith: String?
    /// After a failed cycle the hand is cleared and the arm homed (not when the robot halts).
    var homes: Bool

    var description: String { script.name }
  }

  static let cases: [Case] = [
    Case(
      script: .init(name: "plc-bridge refuses RequestPart", requestPartRefusal: .failedPrecondition),
      outcome: .nok, failure: .plcFault, lastStep: .requestPart, haltsWith: "PLC fault on the left side", homes: false),
    Case(
      script: .init(name: "perception sees no nut", nutVisible: false),
      outcome: .nok, failure: .visionLost, lastStep: .perceivePart, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "policy unavailable while reaching (an outage)", nutUnderFingers: false, policyAvailable: false),
      outcome: .aborted, failure: .policyTimeout, lastStep: .reach, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "policy refuses the observation while reaching", nutUnderFingers: false, policyRefuses: true),
      outcome: .nok, failure: .policyTimeout, lastStep: .reach, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "control faults the first chunk on Execute", nutUnderFingers: false, executeFault: "balance margin 0.01 m below its floor"),
      outcome: .nok, failure: .controlFault, lastStep: .reach, haltsWith: "balance margin 0.01 m below its floor", homes: false),
    Case(
      script: .init(name: "touch feels the nut slip", slipping: true),
      outcome: .nok, failure: .gripSlip, lastStep: .returnToNest, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "fixture does not see the nut seated", clampSeated: false),
      outcome: .nok, failure: .nutNotSeated, lastStep: .fasten, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "fixture reports low torque", fastenFault: .torqueLow),
      outcome: .nok, failure: .torqueLow, lastStep: .fasten, haltsWith: nil, homes: true),
    Case(
      script: .init(name: "every peer answers well"),
      outcome: .ok, failure: .unspecified, lastStep: .fasten, haltsWith: nil, homes: false),
  ]

  @Test("a step's failure gives the cycle's verdict, failure code and record", arguments: cases)
  func stepFailure(_ scenario: Case) async throws {
    let outcome = try await CycleHarness.run(scenario.script)
    let result = outcome.result
    let record = result.record
    #expect(record.outcome == scenario.outcome)
    #expect(record.failureCode == scenario.failure)
    #expect(record.steps.last?.step == scenario.lastStep)
    #expect(record.robot == "left")
    #expect(record.cell == "cell-01")
    #expect(record.station == "nut_install")
    #expect(record.idealCycleMs == 76_000)
    #expect(record.modelVersion == FakePolicy.version)
    #expect(!record.cycleID.isEmpty)
    #expect(record.endedAt.date >= record.startedAt.date)
    if let phrase = scenario.haltsWith {
      let reason = try #require(result.faultReason)
      #expect(reason.contains(phrase))
    } else {
      #expect(result.faultReason == nil)
    }
    #expect((outcome.cell.count("home") > 0) == scenario.homes)
  }

  @Test("a good cycle runs every step once and records the fastening")
  func goodCycle() async throws {
    let outcome = try await CycleHarness.run(.init(name: "good"))
    let record = outcome.result.record
    #expect(record.outcome == .ok)
    #expect(record.attempts == 1)
    #expect(record.torqueNm == 12.5)
    #expect(record.angleDeg == 540)
    #expect(
      record.steps.map(\.step) == [
        .requestPart, .perceivePart, .reach, .grasp, .graspCheck, .carry, .align, .insert, .releaseRetreat, .fasten,
      ])
    #expect(record.steps.allSatisfy { $0.attempts == 1 })
    #expect(outcome.cell.count("confirmPartTaken") == 1)
    #expect(outcome.cell.count("releaseFixture") == 1)
  }

  @Test("perception's misses are retried: three looks, then vision_lost")
  func visionRetries() async throws {
    let outcome = try await CycleHarness.run(.init(name: "no nut", nutVisible: false))
    let perceive = try #require(outcome.result.record.steps.first { $0.step == .perceivePart })
    #expect(perceive.attempts == 3)
    #expect(outcome.cell.count("estimate") == 3)
  }

  @Test("a slipping nut goes back to the nest and is re-grasped twice before the cycle fails")
  func regrasp() async throws {
    let outcome = try await CycleHarness.run(.init(name: "slip", slipping: true))
    let record = outcome.result.record
    #expect(record.attempts == 3)
    #expect(record.failureCode == .gripSlip)
    #expect(record.steps.first { $0.step == .returnToNest }?.attempts == 2)
    #expect(record.steps.first { $0.step == .grasp }?.attempts == 3)
    #expect(outcome.cell.count("confirmPartTaken") == 1)
  }

  @Test("a nut that does not seat is lifted off, aligned again and pushed again before the cycle fails")
  func reinsert() async throws {
    let outcome = try await CycleHarness.run(.init(name: "never seated", nutSeated: false))
    let record = outcome.result.record
    #expect(record.outcome == .nok && record.failureCode == .nutNotSeated)
    #expect(record.attempts == 2)
    #expect(record.steps.map(\.step).suffix(3) == [.align, .insert, .liftOff])
    #expect(record.steps.first { $0.step == .insert }?.attempts == 2)
    #expect(record.steps.first { $0.step == .liftOff }?.attempts == 1)
  }

  @Test("an open safety chain aborts the cycle as estop and halts the robot")
  func estop() async throws {
    let outcome = try await CycleHarness.run(.init(name: "e-stop"), estopOpen: true)
    #expect(outcome.result.record.outcome == .aborted)
    #expect(outcome.result.record.failureCode == .estop)
    #expect(outcome.result.faultReason?.contains("e-stop") == true)
    #expect(outcome.cell.count("requestPart") == 0)
  }
}
