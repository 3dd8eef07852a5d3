/// The fixture handshake of docs/plc-io-map.md as a pure state machine: NUT_SEATED → CLAMP_REQUEST →
/// CLAMPED → PROGRAM, FASTEN_START → FASTEN_DONE with the result → RESULT_ACK → FASTEN_DONE and
/// CLAMPED drop → coils cleared.
///
/// The bridge drives it like `FeederHandshake`: a command per RPC, `poll` after every read of the
/// fixture's inputs, `connectionLost()`, `cancel(now:)`. Time is a monotonic reading from any
/// origin; the machine never reads a clock.
///
/// Every failure while the link is up writes CLAMP_REQUEST, FASTEN_START and RESULT_ACK back to 0,
/// except refusals of a command that does not fit (`outOfOrder`, `invalidArgument`), which write
/// nothing and leave the handshake in progress untouched. FASTEN_START is written 0 together with
/// CLAMP_REQUEST = 1, at least one PLC round trip (CLAMPED rising) before it is raised, so the PLC
/// always sees a rising edge.
public struct FixtureHandshake: Hashable, Sendable {
  /// Timeouts of the fixture handshake (the seat wait is given per clamp).
  public struct Config: Hashable, Sendable {
    /// CLAMP_REQUEST to CLAMPED; the map's maximum is 2 s.
    public var clampTimeout: Duration
    /// FASTEN_START to FASTEN_DONE as the map states it (max 8 s).
    public var fastenTimeout: Duration
    /// Added to `fastenTimeout` before a tightening counts as timed out.
    public var fastenTimeoutMargin: Duration
    /// RESULT_ACK to FASTEN_DONE and CLAMPED both dropped.
    public var releaseTimeout: Duration

    /// Creates a configuration.
    public init(
      clampTimeout: Duration, fastenTimeout: Duration, fastenTimeoutMargin: Duration, releaseTimeout: Duration
    ) {
      self.clampTimeout = clampTimeout
      self.fastenTimeout = fastenTimeout
      self.fastenTimeoutMargin = fastenTimeoutMargin
      self.releaseTimeout = releaseTimeout
    }

    /// Clamp 2 s, fasten 8 s + 1 s margin, release 2 s.
    public static var defaults: Self {
      Self(
        clampTimeout: .seconds(2), fastenTimeout: .seconds(8), fastenTimeoutMargin: .seconds(1),
        releaseTimeout: .seconds(2))
    }
  }

  /// How an operation of the fixture ended.
  public enum Outcome: Hashable, Sendable {
    /// NUT_SEATED did not rise within the seat wait; no clamp was requested (not an error).
    case notSeated
    /// CLAMPED = 1.
    case clamped
    /// FASTEN_DONE = 1 with this result (OK or NOK); FASTEN_START was cleared.
    case fastened(FastenResult)
    /// FASTEN_DONE and CLAMPED dropped after RESULT_ACK; the coils were cleared.
    case released
    /// The operation failed; the error says why and what to do.
    case failed(PlcHandshakeError)
  }

  /// Where the handshake is, for diagnostics.
  public enum State: Hashable, Sendable {
    /// Nothing requested; the coils are 0.
    case idle
    /// Waiting since `since` for NUT_SEATED, for at most `seatWait`; nothing written yet.
    case waitingForSeat(since: Duration, seatWait: Duration)
    /// CLAMP_REQUEST = 1 since `requestedAt`, waiting for CLAMPED.
    case waitingForClamp(requestedAt: Duration)
    /// CLAMPED = 1 since `since`; waiting for a fasten command.
    case clamped(since: Duration)
    /// PROGRAM written and FASTEN_START = 1 since `startedAt`, waiting for FASTEN_DONE.
    case fastening(program: UInt16, startedAt: Duration)
    /// The result is held (FASTEN_DONE = 1, FASTEN_START = 0); waiting for acknowledgeResult.
    case fastened(FastenResult)
    /// RESULT_ACK = 1 since `acknowledgedAt`, waiting for FASTEN_DONE and CLAMPED to drop.
    case waitingForRelease(acknowledgedAt: Duration, result: FastenResult)
    /// Idle after the last handshake failed with this error; the next clamp starts clean.
    case aborted(PlcHandshakeError)
  }

  /// The decision type of this machine.
  public typealias Decision = HandshakeDecision<Outcome>

  /// The timeouts in use.
  public let config: Config
  /// Where the handshake is.
  public private(set) var state: State = .idle
  /// How long the PLC took in the last completed wait: CLAMP_REQUEST → CLAMPED, FASTEN_START →
  /// FASTEN_DONE, or RESULT_ACK → released (the seat wait is the robot's, not counted).
  public private(set) var lastWaitDuration: Duration?

  /// Creates an idle fixture handshake.
  public init(config: Config = .defaults) {
    self.config = config
  }

  /// Whether an operation waits for the PLC (the bridge must keep polling and may not start another).
  public var isBusy: Bool {
    switch state {
    case .waitingForSeat, .waitingForClamp, .fastening, .waitingForRelease: true
    case .idle, .clamped, .fastened, .aborted: false
    }
  }

  /// The coils this machine writes, set to 0: its safe state.
  public static var coilsOff: [PlcWrite] {
    [.fixture(.clampRequest, false), .fixture(.fastenStart, false), .fixture(.resultAck, false)]
  }

  // MARK: - Commands

  /// Waits up to `seatWait` for NUT_SEATED (zero = check once), then sets CLAMP_REQUEST and waits
  /// for CLAMPED (see `poll`). Ends with `.notSeated`, not an error, if the nut never seats.
  /// Refuses at once on ESTOP_OK = 0, a latched fault or FIXTURE_READY = 0.
  public mutating func clamp(seatWait: Duration, now: Duration, inputs: FixtureInputs) -> Decision {
    switch state {
    case .idle, .aborted:
      break
    case .waitingForSeat, .waitingForClamp:
      return refuse(.outOfOrder, .clamp, "a clamp is already in progress; wait for it to finish or cancel it")
    case .clamped:
      return refuse(.outOfOrder, .clamp, "the part is already clamped (CLAMPED = 1); fasten it next")
    case .fastening, .fastened, .waitingForRelease:
      return refuse(
        .outOfOrder, .clamp,
        "a tightening cycle is still open on this fixture; acknowledge its result and release it first")
    }
    guard seatWait >= .zero else {
      return refuse(
        .invalidArgument, .clamp,
        "the seat wait is negative (\(seatWait.wholeMilliseconds) ms); give 0 to check NUT_SEATED once or a "
          + "positive wait")
    }
    if !inputs.estopOK { return fail(estopError(.clamp, while: nil)) }
    if inputs.fixtureFault { return fail(faultError(.clamp, inputs.faultCode, while: nil)) }
    if !inputs.fixtureReady {
      let why =
        inputs.clamped
        ? "FIXTURE_READY is 0 and CLAMPED is 1: the fixture is still clamped from an earlier cycle; "
          + "unclamp it at the fixture, then clamp again"
        : "FIXTURE_READY is 0 without a latched fault: the fixture is busy or not in automatic mode; "
          + "check its mode switch and clamp again once it is ready"
      return fail(PlcHandshakeError(.notReady, step: .clamp, why))
    }
    if inputs.nutSeated { return requestClamp(now: now) }
    if seatWait == .zero {
      state = .idle
      return Decision(outcome: .notSeated)
    }
    state = .waitingForSeat(since: now, seatWait: seatWait)
    return .none
  }

  /// Writes PROGRAM and raises FASTEN_START, then waits for FASTEN_DONE (see `poll`).
  ///
  /// Only while clamped (else `outOfOrder`) and with a program in 1…16 (else `invalidArgument`);
  /// both refusals write nothing and keep the clamp.
  public mutating func fasten(program: UInt16, now: Duration, inputs: FixtureInputs) -> Decision {
    guard FixtureIOMap.programs.contains(program) else {
      return refuse(
        .invalidArgument, .fasten,
        "tightening program \(program) is outside \(FixtureIOMap.programs.lowerBound)…"
          + "\(FixtureIOMap.programs.upperBound) (PROGRAM); choose a program the nutrunner has")
    }
    switch state {
    case .clamped:
      break
    case .idle, .aborted, .waitingForSeat:
      return refuse(
        .outOfOrder, .fasten,
        "the part is not clamped; FASTEN_START is only allowed with CLAMPED = 1: clamp first")
    case .waitingForClamp:
      return refuse(
        .outOfOrder, .fasten, "CLAMPED has not risen yet; wait for the clamp to finish before fastening")
    case .fastening:
      return refuse(.outOfOrder, .fasten, "a tightening is already running; wait for FASTEN_DONE")
    case .fastened, .waitingForRelease:
      return refuse(
        .outOfOrder, .fasten,
        "the last result is not yet acknowledged; release the fixture (RESULT_ACK) before the next tightening")
    }
    if !inputs.estopOK { return fail(estopError(.fasten, while: "the part was clamped")) }
    if inputs.fixtureFault { return fail(faultError(.fasten, inputs.faultCode, while: "the part was clamped")) }
    guard inputs.clamped else {
      return fail(
        PlcHandshakeError(
          .protocolViolation, step: .fasten,
          "CLAMPED dropped to 0 although the clamp had closed and nothing released it; the coils were cleared. "
            + "Check the clamp and its sensor, then clamp again"))
    }
    state = .fastening(program: program, startedAt: now)
    return Decision(writes: [.program(program), .fixture(.fastenStart, true)])
  }

  /// Sets RESULT_ACK after a result, then waits for FASTEN_DONE and CLAMPED to drop and clears
  /// RESULT_ACK and CLAMP_REQUEST (see `poll`). Only after `.fastened` (else `outOfOrder`) — or
  /// when the PLC still holds a result this machine lost (FASTEN_DONE = 1 after a dropped
  /// connection or a cancelled fasten): that result is acknowledged too, so the fixture can be
  /// released without a trip to the cell.
  public mutating func acknowledgeResult(now: Duration, inputs: FixtureInputs) -> Decision {
    if !isBusy, inputs.estopOK {
      if case .fastened = state {
      } else if inputs.fastenDone {
        state = .fastened(FastenResult(inputs, program: 0, fastenDuration: .zero))
      } else if inputs.fastenBusy {
        return refuse(
          .outOfOrder, .acknowledgeResult,
          "the fixture is still tightening (FASTEN_BUSY = 1) a fastening this bridge lost track of; "
            + "release again once FASTEN_DONE = 1")
      }
    }
    guard case .fastened(let result) = state else {
      return refuse(
        .outOfOrder, .acknowledgeResult,
        "there is no tightening result to acknowledge; RESULT_ACK is only valid after FASTEN_DONE "
          + "(\(stateSummary))")
    }
    if !inputs.estopOK { return fail(estopError(.acknowledgeResult, while: "a result was held")) }
    state = .waitingForRelease(acknowledgedAt: now, result: result)
    return Decision(writes: [.fixture(.resultAck, true)])
  }

  /// Advances the wait in progress with the fixture's latest inputs.
  ///
  /// ESTOP_OK = 0 fails any wait; FIXTURE_FAULT without FASTEN_DONE fails it with `plcFault` (a
  /// fault latched with FASTEN_DONE is the tightening's NOK result). A wait fails with `timeout`
  /// once `now - start >= timeout` and the awaited input has not arrived (an input that arrives in
  /// the same poll as the deadline wins). ESTOP_OK = 0 while clamped or holding a result (nothing
  /// awaited) aborts the held handshake and clears the coils without an outcome.
  public mutating func poll(now: Duration, inputs: FixtureInputs) -> Decision {
    switch state {
    case .idle, .aborted:
      return .none
    case .clamped:
      guard inputs.estopOK else { return fail(estopError(.clamped, while: "the part was clamped"), report: false) }
      return .none
    case .fastened:
      guard inputs.estopOK else { return fail(estopError(.fastened, while: "a result was held"), report: false) }
      return .none
    case .waitingForSeat(let since, let seatWait):
      if !inputs.estopOK { return fail(estopError(.waitNutSeated, while: "waiting for NUT_SEATED")) }
      if inputs.fixtureFault {
        return fail(faultError(.waitNutSeated, inputs.faultCode, while: "waiting for NUT_SEATED"))
      }
      if inputs.nutSeated { return requestClamp(now: now) }
      guard now - since >= seatWait else { return .none }
      state = .idle
      return Decision(outcome: .notSeated)
    case .waitingForClamp(let requestedAt):
      if !inputs.estopOK { return fail(estopError(.waitClamped, while: "waiting for CLAMPED")) }
      if inputs.fixtureFault { return fail(faultError(.waitClamped, inputs.faultCode, while: "waiting for CLAMPED")) }
      if inputs.clamped {
        state = .clamped(since: now)
        lastWaitDuration = now - requestedAt
        return Decision(outcome: .clamped)
      }
      guard now - requestedAt >= config.clampTimeout else { return .none }
      return fail(
        PlcHandshakeError(
          .timeout, step: .waitClamped,
          "CLAMPED did not rise within \(config.clampTimeout.wholeMilliseconds) ms of CLAMP_REQUEST "
            + "(NUT_SEATED = \(inputs.nutSeated ? 1 : 0)); check the clamp's air supply and the part's position. "
            + "CLAMP_REQUEST was cleared"))
    case .fastening(let program, let startedAt):
      if !inputs.estopOK { return fail(estopError(.waitFastenDone, while: "tightening (program \(program))")) }
      if inputs.fastenDone {
        let result = FastenResult(inputs, program: program, fastenDuration: now - startedAt)
        state = .fastened(result)
        lastWaitDuration = now - startedAt
        return Decision(writes: [.fixture(.fastenStart, false)], outcome: .fastened(result))
      }
      if inputs.fixtureFault {
        return fail(faultError(.waitFastenDone, inputs.faultCode, while: "tightening without FASTEN_DONE"))
      }
      let limit = config.fastenTimeout + config.fastenTimeoutMargin
      guard now - startedAt >= limit else { return .none }
      return fail(
        PlcHandshakeError(
          .timeout, step: .waitFastenDone,
          "FASTEN_DONE did not rise within \(limit.wholeMilliseconds) ms of FASTEN_START (program \(program), "
            + "FASTEN_BUSY = \(inputs.fastenBusy ? 1 : 0)); check the nutrunner and its controller. "
            + "The coils were cleared and the part unclamped: inspect the joint before reworking it"))
    case .waitingForRelease(let acknowledgedAt, let result):
      if !inputs.estopOK { return fail(estopError(.waitReleased, while: "waiting for the fixture to release")) }
      // The tightening's own NOK code may stay latched; only a different fault stops the release.
      if inputs.fixtureFault && inputs.faultCode != result.faultCode {
        return fail(faultError(.waitReleased, inputs.faultCode, while: "waiting for the fixture to release"))
      }
      if !inputs.fastenDone && !inputs.clamped {
        state = .idle
        lastWaitDuration = now - acknowledgedAt
        return Decision(writes: [.fixture(.resultAck, false), .fixture(.clampRequest, false)], outcome: .released)
      }
      guard now - acknowledgedAt >= config.releaseTimeout else { return .none }
      return fail(
        PlcHandshakeError(
          .timeout, step: .waitReleased,
          "FASTEN_DONE and CLAMPED did not both drop within \(config.releaseTimeout.wholeMilliseconds) ms of "
            + "RESULT_ACK (FASTEN_DONE = \(inputs.fastenDone ? 1 : 0), CLAMPED = \(inputs.clamped ? 1 : 0)); "
            + "check the clamp and the PLC's result handling. The coils were cleared"))
    }
  }

  /// The Modbus link to the fixture dropped: fails the operation in progress with `connectionLost`
  /// and writes nothing (the link is down). The next clamp starts clean; on reconnect the bridge
  /// writes `PlcDevice.fixture.safeStateWrites`.
  public mutating func connectionLost() -> Decision {
    let step: PlcHandshakeError.Step
    switch state {
    case .idle, .aborted: return .none
    case .waitingForSeat: step = .waitNutSeated
    case .waitingForClamp: step = .waitClamped
    case .clamped: step = .clamped
    case .fastening: step = .waitFastenDone
    case .fastened: step = .fastened
    case .waitingForRelease: step = .waitReleased
    }
    let error = PlcHandshakeError(
      .connectionLost, step: step,
      "the Modbus connection to the fixture dropped while \(stateSummary); the handshake was abandoned. "
        + "Check the network and the PLC, and inspect the part: the coils are cleared when the bridge reconnects")
    let wasBusy = isBusy
    state = .aborted(error)
    return Decision(outcome: wasBusy ? .failed(error) : nil)
  }

  /// The waiting caller cancelled or its deadline passed: fails the wait in progress with
  /// `cancelled` and clears the coils. Does nothing when no operation waits.
  public mutating func cancel(now: Duration) -> Decision {
    let step: PlcHandshakeError.Step
    let start: Duration
    switch state {
    case .idle, .aborted, .clamped, .fastened: return .none
    case .waitingForSeat(let since, _): (step, start) = (.waitNutSeated, since)
    case .waitingForClamp(let requestedAt): (step, start) = (.waitClamped, requestedAt)
    case .fastening(_, let startedAt): (step, start) = (.waitFastenDone, startedAt)
    case .waitingForRelease(let acknowledgedAt, _): (step, start) = (.waitReleased, acknowledgedAt)
    }
    return fail(
      PlcHandshakeError(
        .cancelled, step: step,
        "the caller gave up after \((now - start).wholeMilliseconds) ms while \(stateSummary); "
          + "CLAMP_REQUEST, FASTEN_START and RESULT_ACK were cleared. Inspect the part before starting over"))
  }

  /// Gives up a held handshake (a clamped part the cell will not fasten, a result it will not
  /// acknowledge): clears the coils, which unclamps, and returns to idle. Fails a wait in progress
  /// like `cancel(now:)`.
  public mutating func abandon(now: Duration) -> Decision {
    if isBusy { return cancel(now: now) }
    state = .idle
    return Decision(writes: Self.coilsOff)
  }

  // MARK: - Steps and failures

  private mutating func requestClamp(now: Duration) -> Decision {
    state = .waitingForClamp(requestedAt: now)
    // FASTEN_START and RESULT_ACK go low here so the PLC has seen them low before they are raised.
    return Decision(
      writes: [.fixture(.fastenStart, false), .fixture(.resultAck, false), .fixture(.clampRequest, true)])
  }

  private var stateSummary: String {
    switch state {
    case .idle: "the fixture is idle"
    case .waitingForSeat: "waiting for NUT_SEATED"
    case .waitingForClamp: "waiting for CLAMPED"
    case .clamped: "the part was clamped"
    case .fastening(let program, _): "tightening (program \(program))"
    case .fastened: "a result was held"
    case .waitingForRelease: "waiting for the fixture to release"
    case .aborted(let error): "the last fixture handshake ended with \(error.code.rawValue): \(error.message)"
    }
  }

  private mutating func fail(_ error: PlcHandshakeError, report: Bool = true) -> Decision {
    state = .aborted(error)
    return Decision(writes: Self.coilsOff, outcome: report ? .failed(error) : nil)
  }

  private func refuse(_ code: PlcHandshakeError.Code, _ step: PlcHandshakeError.Step, _ message: String) -> Decision {
    Decision(outcome: .failed(PlcHandshakeError(code, step: step, message)))
  }

  private func estopError(_ step: PlcHandshakeError.Step, while during: String?) -> PlcHandshakeError {
    let what = during.map { "ESTOP_OK fell to 0 while \($0)" } ?? "ESTOP_OK is 0"
    return PlcHandshakeError(
      .estop, step: step,
      "\(what): the safety chain is open (e-stop pressed or a door open). CLAMP_REQUEST, FASTEN_START and "
        + "RESULT_ACK were cleared; release the e-stop and close the doors, pulse FAULT_RESET, inspect the part, "
        + "then start over with a clamp")
  }

  private func faultError(_ step: PlcHandshakeError.Step, _ code: PlcFaultCode, while during: String?)
    -> PlcHandshakeError
  {
    let when = during.map { " while \($0)" } ?? ""
    return PlcHandshakeError(
      .plcFault, step: step,
      "FIXTURE_FAULT is latched with FAULT_CODE \(code)\(when); \(code.remedy), then pulse FAULT_RESET "
        + "and start over with a clamp. The coils were cleared",
      faultCode: code)
  }
}
