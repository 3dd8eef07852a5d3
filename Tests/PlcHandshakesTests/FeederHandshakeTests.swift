import PlcHandshakes
import Testing

extension FeederInputs {
  /// Idle and ready, safety chain closed, 40 nuts in the hopper.
  static let ready = FeederInputs(feederReady: true, estopOK: true, partsRemaining: 40, partsFed: 7)
  /// A nut at the pick position.
  static let presenting = FeederInputs(
    feederReady: false, partPresent: true, estopOK: true, partsRemaining: 39, partsFed: 8)
  /// The nut left the pick position.
  static let picked = FeederInputs(
    feederReady: false, partPresent: false, estopOK: true, partsRemaining: 39, partsFed: 8)

  func with(_ change: (inout FeederInputs) -> Void) -> FeederInputs {
    var copy = self
    change(&copy)
    return copy
  }
}

/// One row of a feeder scenario: what the bridge does, when, with which inputs, and what must come back.
struct FeederStep: Sendable {
  enum Command: Sendable { case requestPart, confirmTaken, poll, connectionLost, cancel, abandon }
  enum Expect: Sendable {
    case nothing
    case presented(partsRemaining: UInt16)
    case taken(partsFed: UInt16)
    case failed(ExpectedFailure)
  }

  var command: Command
  var atMs: Int64
  var inputs: FeederInputs
  var writes: [PlcWrite]
  var expect: Expect
  var busy: Bool

  static func request(
    _ atMs: Int64, _ inputs: FeederInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .requestPart, atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy) }

  static func taken(
    _ atMs: Int64, _ inputs: FeederInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .confirmTaken, atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy) }

  static func poll(
    _ atMs: Int64, _ inputs: FeederInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .poll, atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy) }

  static func linkDown(_ expect: Expect = .nothing) -> Self {
    Self(command: .connectionLost, atMs: 0, inputs: .init(), writes: [], expect: expect, busy: false)
  }

  static func cancel(_ atMs: Int64, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool) -> Self {
    Self(command: .cancel, atMs: atMs, inputs: .init(), writes: writes, expect: expect, busy: busy)
  }

  static func abandon(_ atMs: Int64, writes: [PlcWrite] = [], _ expect: Expect = .nothing) -> Self {
    Self(command: .abandon, atMs: atMs, inputs: .init(), writes: writes, expect: expect, busy: false)
  }
}

/// A named sequence of feeder steps.
struct FeederScenario: Sendable, CustomTestStringConvertible {
  var name: String
  var steps: [FeederStep]
  var testDescription: String { name }
}

private let feedOn = PlcWrite.feeder(.feedRequest, true)
private let takenOn = PlcWrite.feeder(.partTaken, true)
private let bothOff: [PlcWrite] = [.feeder(.feedRequest, false), .feeder(.partTaken, false)]

private let estopOpen = FeederInputs.ready.with { $0.estopOK = false }
private func faulted(_ code: PlcFaultCode, _ base: FeederInputs = .ready) -> FeederInputs {
  base.with {
    $0.feederFault = true
    $0.feederReady = false
    $0.faultCode = code
  }
}

let feederScenarios: [FeederScenario] = [
  FeederScenario(
    name: "happy handshake: request, present, taken, drop, coils cleared",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .poll(10, .ready, busy: true),
      .poll(1500, .ready.with { $0.feederReady = false }, busy: true),
      .poll(1510, .presenting, .presented(partsRemaining: 39), busy: false),
      .poll(1800, .presenting, busy: false),
      .taken(2000, .presenting, writes: [takenOn], busy: true),
      .poll(2010, .presenting, busy: true),
      .poll(2100, .picked, writes: bothOff, .taken(partsFed: 8), busy: false),
      .poll(2110, .ready, busy: false),
    ]),
  FeederScenario(
    name: "a nut already presented is reported at once, without FEED_REQUEST",
    steps: [
      .request(50_000, .presenting, .presented(partsRemaining: 39), busy: false),
      .taken(50_100, .presenting, writes: [takenOn], busy: true),
      .poll(50_400, .picked, writes: bothOff, .taken(partsFed: 8), busy: false),
    ]),
  FeederScenario(
    name: "asking again while presented reports the same nut and writes nothing",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .poll(1500, .presenting, .presented(partsRemaining: 39), busy: false),
      .request(1600, .presenting, .presented(partsRemaining: 39), busy: false),
      .taken(1700, .presenting, writes: [takenOn], busy: true),
    ]),
  FeederScenario(
    name: "hopper empty (FAULT_CODE 2) refuses the request at once",
    steps: [
      .request(
        0, faulted(.hopperEmpty, .ready.with { $0.partsRemaining = 0 }), writes: bothOff,
        .failed(
          .init(
            .plcFault, at: .requestPart, faultCode: .hopperEmpty,
            mentions: ["FEEDER_FAULT", "hopper empty (2)", "refill", "FAULT_RESET"])), busy: false),
      .poll(100, .ready, busy: false),
    ]),
  FeederScenario(
    name: "FEEDER_READY = 0 with an empty hopper and no fault is refused as not ready",
    steps: [
      .request(
        0,
        .ready.with {
          $0.feederReady = false
          $0.partsRemaining = 0
        }, writes: bothOff,
        .failed(.init(.notReady, at: .requestPart, mentions: ["FEEDER_READY", "PARTS_REMAINING", "refill"])),
        busy: false)
    ]),
  FeederScenario(
    name: "ESTOP_OK = 0 refuses the request at once",
    steps: [
      .request(
        0, estopOpen, writes: bothOff,
        .failed(.init(.estop, at: .requestPart, mentions: ["ESTOP_OK", "e-stop", "FAULT_RESET"])), busy: false)
    ]),
  FeederScenario(
    name: "a jam during the wait fails with the fault code and clears FEED_REQUEST",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .poll(800, .ready.with { $0.feederReady = false }, busy: true),
      .poll(
        900, faulted(.jam), writes: bothOff,
        .failed(
          .init(.plcFault, at: .waitPartPresent, faultCode: .jam, mentions: ["FEEDER_FAULT", "jam", "FAULT_RESET"])),
        busy: false),
      .poll(1000, faulted(.jam), busy: false),
    ]),
  FeederScenario(
    name: "ESTOP_OK falling during the wait aborts it and clears FEED_REQUEST",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .poll(
        1000, estopOpen, writes: bothOff,
        .failed(.init(.estop, at: .waitPartPresent, mentions: ["ESTOP_OK", "PART_PRESENT", "FEED_REQUEST"])),
        busy: false),
      .poll(1100, .presenting, busy: false),
    ]),
  FeederScenario(
    name: "present timeout: 1 ms before the 5000 ms deadline still waits, at the deadline it fails",
    steps: [
      .request(100_000, .ready, writes: [feedOn], busy: true),
      .poll(104_999, .ready, busy: true),
      .poll(
        105_000, .ready, writes: bothOff,
        .failed(.init(.timeout, at: .waitPartPresent, mentions: ["PART_PRESENT", "5000 ms", "FEED_REQUEST", "jam"])),
        busy: false),
    ]),
  FeederScenario(
    name: "PART_PRESENT seen in the very poll of the deadline wins over the timeout",
    steps: [
      .request(100_000, .ready, writes: [feedOn], busy: true),
      .poll(105_000, .presenting, .presented(partsRemaining: 39), busy: false),
    ]),
  FeederScenario(
    name: "PART_TAKEN before any request is refused without writing (it would latch FAULT_CODE 17)",
    steps: [
      .taken(
        0, .ready, .failed(.init(.outOfOrder, at: .confirmTaken, mentions: ["PART_TAKEN", "FAULT_CODE 17"])),
        busy: false),
      .request(10, .ready, writes: [feedOn], busy: true),
    ]),
  FeederScenario(
    name: "PART_TAKEN while still waiting for PART_PRESENT is refused and the request goes on",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .taken(
        500, .ready, .failed(.init(.outOfOrder, at: .confirmTaken, mentions: ["PART_PRESENT", "FAULT_CODE 17"])),
        busy: true),
      .request(600, .ready, .failed(.init(.outOfOrder, at: .requestPart, mentions: ["PART_PRESENT"])), busy: true),
      .poll(1500, .presenting, .presented(partsRemaining: 39), busy: false),
    ]),
  FeederScenario(
    name: "PART_PRESENT stuck after PART_TAKEN times out after 2000 ms with its own message",
    steps: [
      .request(0, .presenting, .presented(partsRemaining: 39), busy: false),
      .taken(3000, .presenting, writes: [takenOn], busy: true),
      .poll(4999, .presenting, busy: true),
      .poll(
        5000, .presenting, writes: bothOff,
        .failed(.init(.timeout, at: .waitPartRemoved, mentions: ["PART_PRESENT", "PART_TAKEN", "2000 ms", "sensor"])),
        busy: false),
    ]),
  FeederScenario(
    name: "PART_PRESENT already dropped at confirmation: no PART_TAKEN, coils cleared, taken",
    steps: [
      .request(0, .presenting, .presented(partsRemaining: 39), busy: false),
      .taken(900, .picked, writes: bothOff, .taken(partsFed: 8), busy: false),
    ]),
  FeederScenario(
    name: "connection lost mid-wait fails without writes; the next request starts clean with a fresh deadline",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .linkDown(.failed(.init(.connectionLost, at: .waitPartPresent, mentions: ["connection", "PART_PRESENT"]))),
      .poll(600, .presenting, busy: false),
      .linkDown(),
      .request(3000, .ready, writes: [feedOn], busy: true),
      .poll(7999, .ready, busy: true),
      .poll(8000, .presenting, .presented(partsRemaining: 39), busy: false),
    ]),
  FeederScenario(
    name: "cancel during the present wait clears the coils and reports cancelled once",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .cancel(
        1200, writes: bothOff, .failed(.init(.cancelled, at: .waitPartPresent, mentions: ["1200 ms", "FEED_REQUEST"])),
        busy: false),
      .cancel(1300, busy: false),
      .poll(1400, .presenting, busy: false),
    ]),
  FeederScenario(
    name: "cancel during the removal wait clears both coils",
    steps: [
      .request(0, .presenting, .presented(partsRemaining: 39), busy: false),
      .cancel(50, busy: false),
      .taken(100, .presenting, writes: [takenOn], busy: true),
      .cancel(
        600, writes: bothOff, .failed(.init(.cancelled, at: .waitPartRemoved, mentions: ["500 ms", "PART_TAKEN"])),
        busy: false),
    ]),
  FeederScenario(
    name: "ESTOP_OK falling while a nut is presented clears the coils and blocks PART_TAKEN",
    steps: [
      .request(0, .presenting, .presented(partsRemaining: 39), busy: false),
      .poll(100, estopOpen.with { $0.partPresent = true }, writes: bothOff, busy: false),
      .poll(200, .presenting, busy: false),
      .taken(
        300, .presenting, .failed(.init(.outOfOrder, at: .confirmTaken, mentions: ["estop", "ESTOP_OK"])), busy: false),
    ]),
  FeederScenario(
    name: "a jam latched at PART_TAKEN fails the confirmation and clears the coils",
    steps: [
      .request(0, .presenting, .presented(partsRemaining: 39), busy: false),
      .taken(
        100, faulted(.jam, .presenting), writes: bothOff,
        .failed(.init(.plcFault, at: .confirmTaken, faultCode: .jam, mentions: ["FEEDER_FAULT"])), busy: false),
    ]),
  FeederScenario(
    name: "abandoning a presented nut clears the coils",
    steps: [
      .request(0, .ready, writes: [feedOn], busy: true),
      .poll(1000, .presenting, .presented(partsRemaining: 39), busy: false),
      .abandon(2000, writes: bothOff),
      .taken(2100, .presenting, .failed(.init(.outOfOrder, at: .confirmTaken)), busy: false),
    ]),
]

@Test("feeder handshake", arguments: feederScenarios)
func feederHandshake(_ scenario: FeederScenario) {
  var machine = FeederHandshake()
  for (index, step) in scenario.steps.enumerated() {
    let context = "step \(index) (\(step.command) at \(step.atMs) ms)"
    let now = ms(step.atMs)
    let decision =
      switch step.command {
      case .requestPart: machine.requestPart(now: now, inputs: step.inputs)
      case .confirmTaken: machine.confirmTaken(now: now, inputs: step.inputs)
      case .poll: machine.poll(now: now, inputs: step.inputs)
      case .connectionLost: machine.connectionLost()
      case .cancel: machine.cancel(now: now)
      case .abandon: machine.abandon(now: now)
      }
    #expect(decision.writes == step.writes, "\(context): writes")
    switch (decision.outcome, step.expect) {
    case (nil, .nothing): break
    case (.presented(let got)?, .presented(let want)): #expect(got == want, "\(context): PARTS_REMAINING")
    case (.taken(let got)?, .taken(let want)): #expect(got == want, "\(context): PARTS_FED")
    case (.failed(let error)?, .failed(let want)): want.check(error, context)
    case (let got, let want): Issue.record("\(context): outcome \(String(describing: got)), expected \(want)")
    }
    #expect(machine.isBusy == step.busy, "\(context): isBusy")
  }
}

@Test("the feeder reports its state and the PLC's wait times")
func feederStateAndTiming() {
  var machine = FeederHandshake()
  #expect(machine.state == .idle)
  _ = machine.requestPart(now: ms(10_000), inputs: .ready)
  #expect(machine.state == .waitingForPart(requestedAt: ms(10_000)))
  _ = machine.poll(now: ms(11_520), inputs: .presenting)
  #expect(machine.state == .presented(since: ms(11_520)))
  #expect(machine.lastWaitDuration == ms(1520))
  _ = machine.confirmTaken(now: ms(12_000), inputs: .presenting)
  #expect(machine.state == .waitingForRemoval(takenAt: ms(12_000)))
  _ = machine.poll(now: ms(12_090), inputs: .picked)
  #expect(machine.state == .idle)
  #expect(machine.lastWaitDuration == ms(90))

  _ = machine.requestPart(now: ms(20_000), inputs: estopOpen)
  guard case .aborted(let error) = machine.state else {
    Issue.record("expected aborted, got \(machine.state)")
    return
  }
  #expect(error.code == .estop)
}

@Test("a custom present timeout moves the deadline")
func feederCustomTimeout() {
  var machine = FeederHandshake(config: .init(presentTimeout: .milliseconds(1500), partDropTimeout: .seconds(1)))
  _ = machine.requestPart(now: ms(0), inputs: .ready)
  #expect(machine.poll(now: ms(1499), inputs: .ready).outcome == nil)
  guard case .failed(let error)? = machine.poll(now: ms(1500), inputs: .ready).outcome else {
    Issue.record("expected a timeout at 1500 ms")
    return
  }
  #expect(error.code == .timeout)
  #expect(error.message.contains("1500 ms"))
}
