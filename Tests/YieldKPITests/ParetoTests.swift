import Testing
import YieldKPI

@Suite("Failure Pareto")
struct ParetoTests {
  @Test("sorted by count desc, then code asc; cumulative share ends at exactly 1")
  func ordering() {
    let rows = Pareto.of([
      cycle("2026-11-25T06:01:00Z", .nok, code: .gripSlip),
      cycle("2026-11-25T06:02:00Z", .nok, code: .torqueLow),
      cycle("2026-11-25T06:03:00Z", .nok, code: .crossThread),
      cycle("2026-11-25T06:04:00Z", .nok, code: .torqueLow),
      cycle("2026-11-25T06:05:00Z", .aborted, code: .estop),  // aborted with a code: a failure
      cycle("2026-11-25T06:06:00Z", .nok, code: .gripSlip),
      cycle("2026-11-25T06:07:00Z", .nok, code: .crossThread),
      cycle("2026-11-25T06:08:00Z", .nok, code: .torqueLow),
      cycle("2026-11-25T06:09:00Z", .ok),  // not a failure
      cycle("2026-11-25T06:10:00Z", .nok),  // no code: not counted
      cycle("2026-11-25T06:11:00Z", .aborted),  // no code: not counted
    ])
    // 8 failures: torque_low 3, cross_thread 2, grip_slip 2 (tie: "cross…" < "grip…"), estop 1.
    // share 3/8 = 0.375, 2/8 = 0.25, 0.25, 1/8 = 0.125; cumulative 0.375, 0.625, 0.875, 1.0.
    #expect(rows.map(\.failureCode) == [.torqueLow, .crossThread, .gripSlip, .estop])
    #expect(rows.map(\.count) == [3, 2, 2, 1])
    #expect(rows.map(\.share) == [0.375, 0.25, 0.25, 0.125])
    #expect(rows.map(\.cumulativeShare) == [0.375, 0.625, 0.875, 1.0])
  }

  @Test("cumulative share is exactly 1.0 even when shares are not binary fractions")
  func thirds() {
    let rows = Pareto.of([
      cycle("2026-11-25T06:01:00Z", .nok, code: .other),
      cycle("2026-11-25T06:02:00Z", .nok, code: .visionLost),
      cycle("2026-11-25T06:03:00Z", .nok, code: .plcFault),
    ])
    // 1/3 each, ties by code: other < plc_fault < vision_lost; running 1/3, 2/3, 3/3 = 1.0 exactly.
    #expect(rows.map(\.failureCode) == [.other, .plcFault, .visionLost])
    #expect(rows.last?.cumulativeShare == 1.0)
  }

  @Test("no failures: no rows")
  func none() {
    #expect(Pareto.of([cycle("2026-11-25T06:01:00Z", .ok)]).isEmpty)
    #expect(Pareto.of([]).isEmpty)
  }

  @Test("the 16 failure codes keep the API's spelling")
  func rawValues() {
    #expect(FailureCode.allCases.count == 16)
    #expect(FailureCode.magneticPullOff.rawValue == "magnetic_pull_off")
    #expect(FailureCode(rawValue: "policy_timeout") == .policyTimeout)
    #expect(MachineState.allCases.count == 8)
    #expect(MachineState.plannedStop.rawValue == "planned_stop")
  }
}
