import PlcHandshakes
import Testing

/// One row of a fault-reset scenario.
struct FaultResetStep: Sendable {
  enum Command: Sendable { case start, poll, connectionLost, cancel }
  enum Expect: Sendable {
    case nothing, cleared
    case failed(ExpectedFailure)
  }

  var command: Command
  var atMs: Int64
  var status: PlcFaultStatus
  var writes: [PlcWrite]
  var expect: Expect
  var busy: Bool

  static func start(
    _ atMs: Int64, _ status: PlcFaultStatus, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .start, atMs: atMs, status: status, writes: writes, expect: expect, busy: busy) }

  static func poll(
    _ atMs: Int64, _ status: PlcFaultStatus, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .poll, atMs: atMs, status: status, writes: writes, expect: expect, busy: busy) }

  static func linkDown(_ expect: Expect) -> Self {
    Self(command: .connectionLost, atMs: 0, status: .ok, writes: [], expect: expect, busy: false)
  }

  static func cancel(_ atMs: Int64, writes: [PlcWrite] = [], _ expect: Expect) -> Self {
    Self(command: .cancel, atMs: atMs, status: .ok, writes: writes, expect: expect, busy: false)
  }
}

/// A named fault-reset sequence on one device.
struct FaultResetScenario: Sendable, CustomTestStringConvertible {
  var name: String
  var device: PlcDevice
  var steps: [FaultResetStep]
  var testDescription: String { name }
}

extension PlcFaultStatus {
  static let ok = PlcFaultStatus(estopOK: true, faulted: false, faultCode: .none)
  static func latched(_ code: PlcFaultCode, estopOK: Bool = true) -> Self {
    PlcFaultStatus(estopOK: estopOK, faulted: true, faultCode: code)
  }
}

/// The feeder's FAULT_RESET is coil 3, the fixture's coil 4.
private let feederReset = (on: PlcWrite.coil(address: 3, value: true), off: PlcWrite.coil(address: 3, value: false))
private let fixtureReset = (on: PlcWrite.coil(address: 4, value: true), off: PlcWrite.coil(address: 4, value: false))

let faultResetScenarios: [FaultResetScenario] = [
  FaultResetScenario(
    name: "refused while ESTOP_OK = 0", device: .feeder,
    steps: [
      .start(
        0, .latched(.heartbeatLost, estopOK: false), writes: [feederReset.off],
        .failed(
          .init(
            .estop, at: .faultReset, faultCode: .heartbeatLost,
            mentions: ["ESTOP_OK", "release the e-stop and close the doors first"])), busy: false)
    ]),
  FaultResetScenario(
    name: "feeder jam cleared: FAULT_RESET raised, fault drops, FAULT_RESET lowered", device: .feeder,
    steps: [
      .start(0, .latched(.jam), writes: [feederReset.on], busy: true),
      .poll(50, .latched(.jam), busy: true),
      .poll(120, .ok, writes: [feederReset.off], .cleared, busy: false),
      .poll(200, .latched(.jam), busy: false),
    ]),
  FaultResetScenario(
    name: "fixture fault cleared on the fixture's FAULT_RESET coil", device: .fixture,
    steps: [
      .start(7000, .latched(.crossThread), writes: [fixtureReset.on], busy: true),
      .poll(7100, .ok, writes: [fixtureReset.off], .cleared, busy: false),
    ]),
  FaultResetScenario(
    name: "nothing latched: still pulsed (an e-stop leaves a reset owed with no fault bit), cleared next poll",
    device: .fixture,
    steps: [
      .start(0, .ok, writes: [fixtureReset.on], busy: true),
      .poll(10, .ok, writes: [fixtureReset.off], .cleared, busy: false),
    ]),
  FaultResetScenario(
    name: "a persisting fault fails with its code at 2000 ms and lowers FAULT_RESET", device: .feeder,
    steps: [
      .start(0, .latched(.hopperEmpty), writes: [feederReset.on], busy: true),
      .poll(1999, .latched(.hopperEmpty), busy: true),
      .poll(
        2000, .latched(.hopperEmpty), writes: [feederReset.off],
        .failed(
          .init(
            .plcFault, at: .waitFaultCleared, faultCode: .hopperEmpty,
            mentions: ["FEEDER_FAULT", "hopper empty (2)", "2000 ms", "refill"])), busy: false),
      .start(3000, .latched(.hopperEmpty), writes: [feederReset.on], busy: true),
    ]),
  FaultResetScenario(
    name: "ESTOP_OK falling during the reset fails it and lowers FAULT_RESET", device: .fixture,
    steps: [
      .start(0, .latched(.torqueLow), writes: [fixtureReset.on], busy: true),
      .poll(
        100, .latched(.torqueLow, estopOK: false), writes: [fixtureReset.off],
        .failed(.init(.estop, at: .waitFaultCleared, faultCode: .torqueLow, mentions: ["ESTOP_OK"])), busy: false),
    ]),
  FaultResetScenario(
    name: "a second start while waiting is refused and the first goes on", device: .feeder,
    steps: [
      .start(0, .latched(.jam), writes: [feederReset.on], busy: true),
      .start(10, .latched(.jam), .failed(.init(.outOfOrder, at: .faultReset)), busy: true),
      .poll(20, .ok, writes: [feederReset.off], .cleared, busy: false),
    ]),
  FaultResetScenario(
    name: "connection lost and cancel during the reset", device: .feeder,
    steps: [
      .start(0, .latched(.jam), writes: [feederReset.on], busy: true),
      .linkDown(.failed(.init(.connectionLost, at: .waitFaultCleared, mentions: ["feeder"]))),
      .start(1000, .latched(.jam), writes: [feederReset.on], busy: true),
      .cancel(1300, writes: [feederReset.off], .failed(.init(.cancelled, at: .waitFaultCleared, mentions: ["300 ms"]))),
    ]),
]

@Test("fault reset", arguments: faultResetScenarios)
func faultReset(_ scenario: FaultResetScenario) {
  var machine = FaultReset(device: scenario.device)
  for (index, step) in scenario.steps.enumerated() {
    let context = "step \(index) (\(step.command) at \(step.atMs) ms)"
    let now = ms(step.atMs)
    let decision =
      switch step.command {
      case .start: machine.start(now: now, status: step.status)
      case .poll: machine.poll(now: now, status: step.status)
      case .connectionLost: machine.connectionLost()
      case .cancel: machine.cancel(now: now)
      }
    #expect(decision.writes == step.writes, "\(context): writes")
    switch (decision.outcome, step.expect) {
    case (nil, .nothing), (.cleared?, .cleared): break
    case (.failed(let error)?, .failed(let want)): want.check(error, context)
    case (let got, let want): Issue.record("\(context): outcome \(String(describing: got)), expected \(want)")
    }
    #expect(machine.isBusy == step.busy, "\(context): isBusy")
  }
}

@Test("PlcFaultStatus reads ESTOP_OK, the fault bit and FAULT_CODE of either device")
func faultStatusFromInputs() {
  let feeder = FeederInputs(feederFault: true, estopOK: true, faultCode: .jam)
  #expect(PlcFaultStatus(feeder) == PlcFaultStatus(estopOK: true, faulted: true, faultCode: .jam))
  let fixture = FixtureInputs(fixtureFault: false, estopOK: false, faultCode: .none)
  #expect(PlcFaultStatus(fixture) == PlcFaultStatus(estopOK: false, faulted: false, faultCode: .none))
}
