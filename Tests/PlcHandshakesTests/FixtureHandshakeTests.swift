import PlcHandshakes
import Testing

extension FixtureInputs {
  /// Idle, unclamped, no fault, safety chain closed, no nut yet.
  static let ready = FixtureInputs(fixtureReady: true, estopOK: true, cycleCount: 41)
  /// A nut on the pin.
  static let seated = FixtureInputs.ready.with { $0.nutSeated = true }
  /// Clamped on a seated nut.
  static let clampedIn = FixtureInputs.seated.with {
    $0.fixtureReady = false
    $0.clamped = true
  }
  /// Tightening running.
  static let tightening = FixtureInputs.clampedIn.with { $0.fastenBusy = true }
  /// An OK result: 12.50 N·m, 360.5°.
  static let doneOK = FixtureInputs.clampedIn.with {
    $0.fastenDone = true
    $0.fastenOK = true
    $0.finalTorqueCentiNm = 1250
    $0.finalAngleDeciDeg = 3605
    $0.cycleCount = 42
  }
  /// A NOK cross-thread result with the fault latched: 12.50 N·m, 360.5°, FAULT_CODE 4.
  static let doneCrossThread = FixtureInputs.doneOK.with {
    $0.fastenOK = false
    $0.fixtureFault = true
    $0.faultCode = .crossThread
  }
  /// Unclamped after RESULT_ACK, nut still on the pin.
  static let released = FixtureInputs.seated.with {
    $0.fixtureReady = true
    $0.cycleCount = 42
  }

  func with(_ change: (inout FixtureInputs) -> Void) -> FixtureInputs {
    var copy = self
    change(&copy)
    return copy
  }
}

/// One row of a fixture scenario.
struct FixtureStep: Sendable {
  enum Command: Sendable, CustomStringConvertible {
    case clamp(seatWaitMs: Int64)
    case fasten(program: UInt16)
    case acknowledge, poll, connectionLost, cancel, abandon

    var description: String {
      switch self {
      case .clamp(let wait): "clamp(seatWait: \(wait) ms)"
      case .fasten(let program): "fasten(program: \(program))"
      case .acknowledge: "acknowledgeResult"
      case .poll: "poll"
      case .connectionLost: "connectionLost"
      case .cancel: "cancel"
      case .abandon: "abandon"
      }
    }
  }

  enum Expect: Sendable {
    case nothing, notSeated, clamped, released
    case fastened(FastenResult)
    case failed(ExpectedFailure)
  }

  var command: Command
  var atMs: Int64
  var inputs: FixtureInputs
  var writes: [PlcWrite]
  var expect: Expect
  var busy: Bool

  static func clamp(
    seatWaitMs: Int64, _ atMs: Int64, _ inputs: FixtureInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing,
    busy: Bool
  ) -> Self {
    Self(
      command: .clamp(seatWaitMs: seatWaitMs), atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy)
  }

  static func fasten(
    _ program: UInt16, _ atMs: Int64, _ inputs: FixtureInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing,
    busy: Bool
  ) -> Self {
    Self(command: .fasten(program: program), atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy)
  }

  static func ack(
    _ atMs: Int64, _ inputs: FixtureInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .acknowledge, atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy) }

  static func poll(
    _ atMs: Int64, _ inputs: FixtureInputs, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool
  ) -> Self { Self(command: .poll, atMs: atMs, inputs: inputs, writes: writes, expect: expect, busy: busy) }

  static func linkDown(_ expect: Expect = .nothing) -> Self {
    Self(command: .connectionLost, atMs: 0, inputs: .init(), writes: [], expect: expect, busy: false)
  }

  static func cancel(_ atMs: Int64, writes: [PlcWrite] = [], _ expect: Expect = .nothing, busy: Bool) -> Self {
    Self(command: .cancel, atMs: atMs, inputs: .init(), writes: writes, expect: expect, busy: busy)
  }

  static func abandon(_ atMs: Int64, writes: [PlcWrite] = []) -> Self {
    Self(command: .abandon, atMs: atMs, inputs: .init(), writes: writes, expect: .nothing, busy: false)
  }
}

/// A named sequence of fixture steps.
struct FixtureScenario: Sendable, CustomTestStringConvertible {
  var name: String
  var steps: [FixtureStep]
  var testDescription: String { name }
}

/// CLAMP_REQUEST = 1, with FASTEN_START and RESULT_ACK written low first.
private let clampOn: [PlcWrite] = [
  .fixture(.fastenStart, false), .fixture(.resultAck, false), .fixture(.clampRequest, true),
]
private let coilsOff: [PlcWrite] = [
  .fixture(.clampRequest, false), .fixture(.fastenStart, false), .fixture(.resultAck, false),
]
private func start(_ program: UInt16) -> [PlcWrite] { [.program(program), .fixture(.fastenStart, true)] }
private let startOff: [PlcWrite] = [.fixture(.fastenStart, false)]
private let ackOn: [PlcWrite] = [.fixture(.resultAck, true)]
private let releaseOff: [PlcWrite] = [.fixture(.resultAck, false), .fixture(.clampRequest, false)]

private let okResult = FastenResult(
  ok: true, torqueNm: 12.5, angleDeg: 360.5, faultCode: .none, cycleCount: 42, program: 7,
  fastenDuration: .milliseconds(3000))

/// Clamped at 400 ms after a clamp at 0 ms on a seated nut.
private let clampedAt400: [FixtureStep] = [
  .clamp(seatWaitMs: 1000, 0, .seated, writes: clampOn, busy: true),
  .poll(400, .clampedIn, .clamped, busy: false),
]

private let estopOpen = FixtureInputs.ready.with { $0.estopOK = false }

let fixtureScenarios: [FixtureScenario] = [
  FixtureScenario(
    name: "happy cycle: clamp, fasten OK (12.5 N·m, 360.5°), acknowledge, release",
    steps: [
      .clamp(seatWaitMs: 1000, 0, .seated, writes: clampOn, busy: true),
      .poll(300, .seated, busy: true),
      .poll(400, .clampedIn, .clamped, busy: false),
      .poll(450, .clampedIn, busy: false),
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(2000, .tightening, busy: true),
      .poll(3500, .doneOK, writes: startOff, .fastened(okResult), busy: false),
      .poll(3550, .doneOK, busy: false),
      .ack(3600, .doneOK, writes: ackOn, busy: true),
      .poll(3700, .doneOK.with { $0.fastenDone = false }, busy: true),
      .poll(3800, .released, writes: releaseOff, .released, busy: false),
      .clamp(seatWaitMs: 0, 5000, .seated, writes: clampOn, busy: true),
    ]),
  FixtureScenario(
    name: "nut not seated within the seat wait: notSeated at the boundary, nothing written",
    steps: [
      .clamp(seatWaitMs: 500, 0, .ready, busy: true),
      .poll(499, .ready, busy: true),
      .poll(500, .ready, .notSeated, busy: false),
      .poll(600, .seated, busy: false),
    ]),
  FixtureScenario(
    name: "a seat wait of 0 checks NUT_SEATED once",
    steps: [
      .clamp(seatWaitMs: 0, 0, .ready, .notSeated, busy: false),
      .clamp(seatWaitMs: 0, 100, .seated, writes: clampOn, busy: true),
    ]),
  FixtureScenario(
    name: "nut seated late but within the seat wait, then clamped; the clamp timeout runs from the seat",
    steps: [
      .clamp(seatWaitMs: 1000, 0, .ready, busy: true),
      .poll(600, .ready, busy: true),
      .poll(1000, .seated, writes: clampOn, busy: true),
      .poll(2999, .seated, busy: true),
      .poll(3000, .clampedIn, .clamped, busy: false),
    ]),
  FixtureScenario(
    name: "clamp timeout: CLAMPED not up 2000 ms after CLAMP_REQUEST",
    steps: [
      .clamp(seatWaitMs: 0, 10_000, .seated, writes: clampOn, busy: true),
      .poll(11_999, .seated, busy: true),
      .poll(
        12_000, .seated, writes: coilsOff,
        .failed(.init(.timeout, at: .waitClamped, mentions: ["CLAMPED", "2000 ms", "CLAMP_REQUEST"])), busy: false),
    ]),
  FixtureScenario(
    name: "cross-thread NOK (FAULT_CODE 4) is a result with torque and angle, and releases normally",
    steps: clampedAt400 + [
      .fasten(3, 500, .clampedIn, writes: start(3), busy: true),
      .poll(
        2900, .doneCrossThread, writes: startOff,
        .fastened(
          FastenResult(
            ok: false, torqueNm: 12.5, angleDeg: 360.5, faultCode: .crossThread, cycleCount: 42, program: 3,
            fastenDuration: .milliseconds(2400))), busy: false),
      .ack(3000, .doneCrossThread, writes: ackOn, busy: true),
      .poll(
        3100,
        .released.with {
          $0.fixtureFault = true
          $0.fixtureReady = false
          $0.faultCode = .crossThread
        }, writes: releaseOff, .released, busy: false),
    ]),
  FixtureScenario(
    name: "programs 0 and 17 are refused without writes and keep the clamp; 16 runs",
    steps: clampedAt400 + [
      .fasten(
        0, 500, .clampedIn, .failed(.init(.invalidArgument, at: .fasten, mentions: ["program 0", "PROGRAM"])),
        busy: false),
      .fasten(
        17, 510, .clampedIn, .failed(.init(.invalidArgument, at: .fasten, mentions: ["program 17", "1…16"])),
        busy: false),
      .poll(520, .clampedIn, busy: false),
      .fasten(16, 530, .clampedIn, writes: start(16), busy: true),
    ]),
  FixtureScenario(
    name: "fasten before clamp is refused without writes",
    steps: [
      .fasten(
        7, 0, .seated, .failed(.init(.outOfOrder, at: .fasten, mentions: ["CLAMPED", "clamp first"])), busy: false),
      .clamp(seatWaitMs: 0, 10, .seated, writes: clampOn, busy: true),
      .fasten(7, 20, .seated, .failed(.init(.outOfOrder, at: .fasten, mentions: ["CLAMPED"])), busy: true),
      .poll(300, .clampedIn, .clamped, busy: false),
    ]),
  FixtureScenario(
    name: "ESTOP_OK falling during tightening aborts it and clears every coil",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(
        1500, .tightening.with { $0.estopOK = false }, writes: coilsOff,
        .failed(.init(.estop, at: .waitFastenDone, mentions: ["ESTOP_OK", "FASTEN_START", "FAULT_RESET"])), busy: false),
      .poll(1600, .doneOK, busy: false),
      // The PLC still holds a result the aborted machine lost: acknowledging it releases the fixture.
      .ack(1700, .doneOK, writes: ackOn, busy: true),
    ]),
  FixtureScenario(
    name: "a result lost by the machine is refused while the PLC is still tightening, acknowledged once done",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(
        1500, .tightening.with { $0.estopOK = false }, writes: coilsOff,
        .failed(.init(.estop, at: .waitFastenDone)), busy: false),
      .ack(1600, .tightening, .failed(.init(.outOfOrder, at: .acknowledgeResult, mentions: ["FASTEN_BUSY"])), busy: false),
      .ack(1700, .doneOK, writes: ackOn, busy: true),
    ]),
  FixtureScenario(
    name: "ESTOP_OK takes precedence over a FASTEN_DONE seen in the same poll",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(
        3000, .doneOK.with { $0.estopOK = false }, writes: coilsOff,
        .failed(.init(.estop, at: .waitFastenDone)), busy: false),
    ]),
  FixtureScenario(
    name: "FIXTURE_FAULT during the clamp wait fails with its code",
    steps: [
      .clamp(seatWaitMs: 0, 0, .seated, writes: clampOn, busy: true),
      .poll(
        700,
        .seated.with {
          $0.fixtureFault = true
          $0.faultCode = .heartbeatLost
        }, writes: coilsOff,
        .failed(
          .init(
            .plcFault, at: .waitClamped, faultCode: .heartbeatLost,
            mentions: ["FIXTURE_FAULT", "heartbeat lost (16)", "FAULT_RESET"])), busy: false),
    ]),
  FixtureScenario(
    name: "FIXTURE_FAULT without FASTEN_DONE during tightening fails with its code",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(
        1200,
        .tightening.with {
          $0.fixtureFault = true
          $0.faultCode = .torqueHigh
        }, writes: coilsOff,
        .failed(.init(.plcFault, at: .waitFastenDone, faultCode: .torqueHigh, mentions: ["FIXTURE_FAULT"])),
        busy: false),
    ]),
  FixtureScenario(
    name: "fasten timeout: 8000 ms plus 1000 ms margin",
    steps: clampedAt400 + [
      .fasten(7, 1000, .clampedIn, writes: start(7), busy: true),
      .poll(9000, .tightening, busy: true),
      .poll(9999, .tightening, busy: true),
      .poll(
        10_000, .tightening, writes: coilsOff,
        .failed(.init(.timeout, at: .waitFastenDone, mentions: ["FASTEN_DONE", "9000 ms", "FASTEN_START"])),
        busy: false),
    ]),
  FixtureScenario(
    name: "release timeout: CLAMPED still up 2000 ms after RESULT_ACK",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(3500, .doneOK, writes: startOff, .fastened(okResult), busy: false),
      .ack(4000, .doneOK, writes: ackOn, busy: true),
      .poll(5999, .clampedIn, busy: true),
      .poll(
        6000, .clampedIn, writes: coilsOff,
        .failed(.init(.timeout, at: .waitReleased, mentions: ["FASTEN_DONE", "CLAMPED = 1", "RESULT_ACK", "2000 ms"])),
        busy: false),
    ]),
  FixtureScenario(
    name: "a new fault during the release wait fails it; the result's own NOK code does not",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .poll(3500, .doneOK, writes: startOff, .fastened(okResult), busy: false),
      .ack(3600, .doneOK, writes: ackOn, busy: true),
      .poll(
        3700,
        .doneOK.with {
          $0.fixtureFault = true
          $0.faultCode = .heartbeatLost
        }, writes: coilsOff,
        .failed(.init(.plcFault, at: .waitReleased, faultCode: .heartbeatLost)), busy: false),
    ]),
  FixtureScenario(
    name: "acknowledge before any result is refused without writes",
    steps: [
      .ack(
        0, .ready, .failed(.init(.outOfOrder, at: .acknowledgeResult, mentions: ["RESULT_ACK", "FASTEN_DONE"])),
        busy: false)
    ] + clampedAt400 + [
      .ack(500, .clampedIn, .failed(.init(.outOfOrder, at: .acknowledgeResult)), busy: false),
      .fasten(7, 600, .clampedIn, writes: start(7), busy: true),
    ]),
  FixtureScenario(
    name: "clamp refused at once under e-stop, with a latched fault, and while still clamped",
    steps: [
      .clamp(
        seatWaitMs: 500, 0, estopOpen, writes: coilsOff, .failed(.init(.estop, at: .clamp, mentions: ["ESTOP_OK"])),
        busy: false),
      .clamp(
        seatWaitMs: 500, 10,
        .seated.with {
          $0.fixtureFault = true
          $0.fixtureReady = false
          $0.faultCode = .nutNotSeated
        }, writes: coilsOff,
        .failed(.init(.plcFault, at: .clamp, faultCode: .nutNotSeated, mentions: ["nut not seated (3)"])), busy: false),
      .clamp(
        seatWaitMs: 500, 20, .clampedIn, writes: coilsOff,
        .failed(.init(.notReady, at: .clamp, mentions: ["FIXTURE_READY", "CLAMPED"])), busy: false),
      .clamp(seatWaitMs: 500, 30, .seated, writes: clampOn, busy: true),
    ]),
  FixtureScenario(
    name: "connection lost mid-tightening fails without writes; the next clamp starts clean",
    steps: clampedAt400 + [
      .fasten(7, 500, .clampedIn, writes: start(7), busy: true),
      .linkDown(.failed(.init(.connectionLost, at: .waitFastenDone, mentions: ["connection", "fixture"]))),
      .poll(1000, .doneOK, busy: false),
      .fasten(7, 1100, .clampedIn, .failed(.init(.outOfOrder, at: .fasten)), busy: false),
      .clamp(seatWaitMs: 0, 5000, .seated, writes: clampOn, busy: true),
      .poll(5100, .clampedIn, .clamped, busy: false),
    ]),
  FixtureScenario(
    name: "cancel during the seat wait and during tightening clears the coils",
    steps: [
      .clamp(seatWaitMs: 5000, 0, .ready, busy: true),
      .cancel(800, writes: coilsOff, .failed(.init(.cancelled, at: .waitNutSeated, mentions: ["800 ms"])), busy: false),
    ]
      + clampedAt400.map {
        var step = $0; step.atMs += 1000; return step
      } + [
        .fasten(7, 1500, .clampedIn, writes: start(7), busy: true),
        .cancel(
          2000, writes: coilsOff,
          .failed(.init(.cancelled, at: .waitFastenDone, mentions: ["500 ms", "CLAMP_REQUEST"])), busy: false),
        .cancel(2100, busy: false),
      ]),
  FixtureScenario(
    name: "ESTOP_OK falling while clamped (nothing awaited) clears the coils without an outcome",
    steps: clampedAt400 + [
      .poll(1000, .clampedIn.with { $0.estopOK = false }, writes: coilsOff, busy: false),
      .fasten(7, 1100, .clampedIn, .failed(.init(.outOfOrder, at: .fasten)), busy: false),
    ]),
  FixtureScenario(
    name: "abandoning a clamped part clears the coils",
    steps: clampedAt400 + [
      .abandon(1000, writes: coilsOff),
      .fasten(7, 1100, .clampedIn, .failed(.init(.outOfOrder, at: .fasten)), busy: false),
    ]),
]

@Test("fixture handshake", arguments: fixtureScenarios)
func fixtureHandshake(_ scenario: FixtureScenario) {
  var machine = FixtureHandshake()
  for (index, step) in scenario.steps.enumerated() {
    let context = "step \(index) (\(step.command) at \(step.atMs) ms)"
    let now = ms(step.atMs)
    let decision =
      switch step.command {
      case .clamp(let wait): machine.clamp(seatWait: ms(wait), now: now, inputs: step.inputs)
      case .fasten(let program): machine.fasten(program: program, now: now, inputs: step.inputs)
      case .acknowledge: machine.acknowledgeResult(now: now, inputs: step.inputs)
      case .poll: machine.poll(now: now, inputs: step.inputs)
      case .connectionLost: machine.connectionLost()
      case .cancel: machine.cancel(now: now)
      case .abandon: machine.abandon(now: now)
      }
    #expect(decision.writes == step.writes, "\(context): writes")
    switch (decision.outcome, step.expect) {
    case (nil, .nothing), (.notSeated?, .notSeated), (.clamped?, .clamped), (.released?, .released): break
    case (.fastened(let got)?, .fastened(let want)): #expect(got == want, "\(context): result")
    case (.failed(let error)?, .failed(let want)): want.check(error, context)
    case (let got, let want): Issue.record("\(context): outcome \(String(describing: got)), expected \(want)")
    }
    #expect(machine.isBusy == step.busy, "\(context): isBusy")
  }
}

@Test("FASTEN_START is written low before it is raised, on every path to fasten")
func fastenStartRisingEdge() {
  var machine = FixtureHandshake()
  var fastenStart: Bool? = nil  // unknown at start-up
  var edges = 0
  func apply(_ writes: [PlcWrite]) {
    for write in writes {
      guard case .coil(let address, let value) = write, address == FixtureIOMap.Coil.fastenStart.rawValue else {
        continue
      }
      if value {
        #expect(fastenStart == false, "FASTEN_START raised without having been written 0 first")
        edges += 1
      }
      fastenStart = value
    }
  }
  for cycle in 0..<3 {
    let base = Int64(cycle) * 10_000
    apply(machine.clamp(seatWait: .zero, now: ms(base), inputs: .seated).writes)
    apply(machine.poll(now: ms(base + 300), inputs: .clampedIn).writes)
    apply(machine.fasten(program: 5, now: ms(base + 400), inputs: .clampedIn).writes)
    apply(machine.poll(now: ms(base + 3000), inputs: .doneOK).writes)
    #expect(fastenStart == false, "FASTEN_START must be cleared at FASTEN_DONE")
    apply(machine.acknowledgeResult(now: ms(base + 3100), inputs: .doneOK).writes)
    apply(machine.poll(now: ms(base + 3200), inputs: .released).writes)
  }
  #expect(edges == 3)
  #expect(machine.lastWaitDuration == ms(100))
}

@Test("FastenResult converts FINAL_TORQUE and FINAL_ANGLE from register units")
func fastenResultUnits() {
  let result = FastenResult(
    FixtureInputs.doneCrossThread.with {
      $0.finalTorqueCentiNm = 1999
      $0.finalAngleDeciDeg = 1
    }, program: 2, fastenDuration: .seconds(3))
  #expect(result.torqueNm == 19.99)
  #expect(result.angleDeg == 0.1)
  #expect(result.faultCode == .crossThread)
  #expect(!result.ok)
  #expect(result.cycleCount == 42)
}
