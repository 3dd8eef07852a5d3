/// The feeder handshake of docs/plc-io-map.md as a pure state machine: FEED_REQUEST → PART_PRESENT →
/// PART_TAKEN → PART_PRESENT drops → both coils cleared.
///
/// The bridge drives it: a command when an RPC arrives, `poll` after every read of the feeder's
/// inputs, `connectionLost()` when the Modbus link drops, `cancel(now:)` when the waiting caller
/// gives up. Each returns the writes to perform now and, once the awaited operation finished, its
/// outcome. Time is a monotonic reading from any origin; the machine never reads a clock.
///
/// Every failure while the link is up writes FEED_REQUEST and PART_TAKEN back to 0, except refusals
/// of a command that does not fit the current state (`outOfOrder`, `invalidArgument`), which write
/// nothing and leave the handshake in progress untouched.
public struct FeederHandshake: Hashable, Sendable {
  /// Timeouts of the feeder handshake.
  public struct Config: Hashable, Sendable {
    /// FEED_REQUEST to PART_PRESENT; the map's maximum is 5 s.
    public var presentTimeout: Duration
    /// PART_TAKEN to PART_PRESENT dropping.
    public var partDropTimeout: Duration

    /// Creates a configuration.
    public init(presentTimeout: Duration, partDropTimeout: Duration) {
      self.presentTimeout = presentTimeout
      self.partDropTimeout = partDropTimeout
    }

    /// 5 s to present (the map's maximum), 2 s for the part to leave.
    public static var defaults: Self { Self(presentTimeout: .seconds(5), partDropTimeout: .seconds(2)) }
  }

  /// How an operation of the feeder ended.
  public enum Outcome: Hashable, Sendable {
    /// A nut waits at the pick position (PART_PRESENT = 1); PARTS_REMAINING as read then.
    case presented(partsRemaining: UInt16)
    /// The handshake closed: PART_PRESENT dropped and both coils were cleared; PARTS_FED as read then.
    case taken(partsFed: UInt16)
    /// The operation failed; the error says why and what to do.
    case failed(PlcHandshakeError)
  }

  /// Where the handshake is, for diagnostics.
  public enum State: Hashable, Sendable {
    /// Nothing requested; both coils are 0.
    case idle
    /// FEED_REQUEST = 1 since `requestedAt`, waiting for PART_PRESENT.
    case waitingForPart(requestedAt: Duration)
    /// PART_PRESENT = 1 was seen at `since`; waiting for the robot to confirm the pick.
    case presented(since: Duration)
    /// PART_TAKEN = 1 since `takenAt`, waiting for PART_PRESENT to drop.
    case waitingForRemoval(takenAt: Duration)
    /// Idle after the last handshake failed with this error; the next request starts clean.
    case aborted(PlcHandshakeError)
  }

  /// The decision type of this machine.
  public typealias Decision = HandshakeDecision<Outcome>

  /// The timeouts in use.
  public let config: Config
  /// Where the handshake is.
  public private(set) var state: State = .idle
  /// How long the PLC took in the last completed wait (FEED_REQUEST → PART_PRESENT, or
  /// PART_TAKEN → PART_PRESENT dropped); zero when the part was already presented.
  public private(set) var lastWaitDuration: Duration?

  /// Creates an idle feeder handshake.
  public init(config: Config = .defaults) {
    self.config = config
  }

  /// Whether an operation waits for the PLC (the bridge must keep polling and may not start another).
  public var isBusy: Bool {
    switch state {
    case .waitingForPart, .waitingForRemoval: true
    case .idle, .presented, .aborted: false
    }
  }

  /// The coils this machine writes, set to 0: its safe state.
  public static var coilsOff: [PlcWrite] { [.feeder(.feedRequest, false), .feeder(.partTaken, false)] }

  // MARK: - Commands

  /// Asks the feeder for one nut: refuses at once on ESTOP_OK = 0, a latched fault or
  /// FEEDER_READY = 0; reports a nut already at the pick position at once; otherwise sets
  /// FEED_REQUEST and waits (see `poll`). Asking again while presented reports the same nut.
  public mutating func requestPart(now: Duration, inputs: FeederInputs) -> Decision {
    switch state {
    case .waitingForPart:
      return refuse(
        .outOfOrder, .requestPart,
        "a feed request is already waiting for PART_PRESENT; wait for it to finish or cancel it")
    case .waitingForRemoval:
      return refuse(
        .outOfOrder, .requestPart,
        "PART_TAKEN is set and the feeder has not yet dropped PART_PRESENT; wait for the taken confirmation")
    case .presented:
      if !inputs.estopOK { return fail(estopError(.requestPart, while: "a nut was presented")) }
      guard inputs.partPresent else {
        return fail(
          PlcHandshakeError(
            .protocolViolation, step: .partPresented,
            "PART_PRESENT dropped to 0 before PART_TAKEN was set; the presented nut left the pick position "
              + "unconfirmed. FEED_REQUEST was cleared: check the pick position, then request again"))
      }
      return Decision(outcome: .presented(partsRemaining: inputs.partsRemaining))
    case .idle, .aborted:
      break
    }
    if !inputs.estopOK { return fail(estopError(.requestPart, while: nil)) }
    if inputs.feederFault { return fail(faultError(.requestPart, inputs.faultCode, while: nil)) }
    if inputs.partPresent {
      state = .presented(since: now)
      lastWaitDuration = .zero
      return Decision(outcome: .presented(partsRemaining: inputs.partsRemaining))
    }
    if !inputs.feederReady {
      let why =
        inputs.partsRemaining == 0
        ? "FEEDER_READY is 0 and PARTS_REMAINING is 0: the hopper is empty; refill it"
        : "FEEDER_READY is 0 without a latched fault: the feeder is busy or not in automatic mode; "
          + "check its mode switch and request again once it is ready"
      return fail(PlcHandshakeError(.notReady, step: .requestPart, why))
    }
    state = .waitingForPart(requestedAt: now)
    return Decision(writes: [.feeder(.feedRequest, true)])
  }

  /// Tells the feeder the robot picked the presented nut: sets PART_TAKEN and waits for
  /// PART_PRESENT to drop, then clears both coils (see `poll`).
  ///
  /// Refused with `outOfOrder` (nothing written) unless a nut was presented, because PART_TAKEN
  /// while PART_PRESENT = 0 latches FAULT_CODE 17. If the feeder already dropped PART_PRESENT on its
  /// own (its sensor saw the nut leave), PART_TAKEN is not written: both coils are cleared and the
  /// handshake closes at once.
  public mutating func confirmTaken(now: Duration, inputs: FeederInputs) -> Decision {
    switch state {
    case .presented:
      break
    case .idle:
      return refuse(
        .outOfOrder, .confirmTaken,
        "no nut is presented (no feed request was made); PART_TAKEN now would latch FAULT_CODE 17. "
          + "Request a part first")
    case .aborted(let error):
      return refuse(
        .outOfOrder, .confirmTaken,
        "no nut is presented: the last feeder handshake ended with \(error.code.rawValue) (\(error.message)); "
          + "PART_TAKEN now would latch FAULT_CODE 17. Request a part first")
    case .waitingForPart:
      return refuse(
        .outOfOrder, .confirmTaken,
        "PART_PRESENT has not risen yet; PART_TAKEN now would latch FAULT_CODE 17. "
          + "Wait for the feed request to report the nut presented")
    case .waitingForRemoval:
      return refuse(
        .outOfOrder, .confirmTaken,
        "PART_TAKEN is already set; wait for the feeder to drop PART_PRESENT")
    }
    if !inputs.estopOK { return fail(estopError(.confirmTaken, while: "a nut was presented")) }
    if inputs.feederFault {
      return fail(faultError(.confirmTaken, inputs.faultCode, while: "a nut was presented"))
    }
    guard inputs.partPresent else {
      state = .idle
      lastWaitDuration = .zero
      return Decision(writes: Self.coilsOff, outcome: .taken(partsFed: inputs.partsFed))
    }
    state = .waitingForRemoval(takenAt: now)
    return Decision(writes: [.feeder(.partTaken, true)])
  }

  /// Advances the wait in progress with the feeder's latest inputs.
  ///
  /// ESTOP_OK = 0 or a latched FEEDER_FAULT fails the wait; a wait fails with `timeout` once
  /// `now - start >= timeout` and the awaited input has not arrived (an input that arrives in the
  /// same poll as the deadline wins). ESTOP_OK = 0 while a nut is presented (nothing awaited)
  /// aborts the held handshake and clears the coils without an outcome.
  public mutating func poll(now: Duration, inputs: FeederInputs) -> Decision {
    switch state {
    case .idle, .aborted:
      return .none
    case .presented:
      guard inputs.estopOK else {
        return fail(estopError(.partPresented, while: "a nut was presented"), report: false)
      }
      return .none
    case .waitingForPart(let requestedAt):
      if !inputs.estopOK { return fail(estopError(.waitPartPresent, while: "waiting for PART_PRESENT")) }
      if inputs.feederFault {
        return fail(faultError(.waitPartPresent, inputs.faultCode, while: "waiting for PART_PRESENT"))
      }
      if inputs.partPresent {
        state = .presented(since: now)
        lastWaitDuration = now - requestedAt
        return Decision(outcome: .presented(partsRemaining: inputs.partsRemaining))
      }
      guard now - requestedAt >= config.presentTimeout else { return .none }
      return fail(
        PlcHandshakeError(
          .timeout, step: .waitPartPresent,
          "PART_PRESENT did not rise within \(config.presentTimeout.wholeMilliseconds) ms of FEED_REQUEST "
            + "(PARTS_REMAINING = \(inputs.partsRemaining)); check the feeder for a jam or an empty track. "
            + "FEED_REQUEST was cleared"))
    case .waitingForRemoval(let takenAt):
      if !inputs.estopOK { return fail(estopError(.waitPartRemoved, while: "waiting for PART_PRESENT to drop")) }
      if inputs.feederFault {
        return fail(faultError(.waitPartRemoved, inputs.faultCode, while: "waiting for PART_PRESENT to drop"))
      }
      if !inputs.partPresent {
        state = .idle
        lastWaitDuration = now - takenAt
        return Decision(writes: Self.coilsOff, outcome: .taken(partsFed: inputs.partsFed))
      }
      guard now - takenAt >= config.partDropTimeout else { return .none }
      return fail(
        PlcHandshakeError(
          .timeout, step: .waitPartRemoved,
          "PART_PRESENT is still 1 \(config.partDropTimeout.wholeMilliseconds) ms after PART_TAKEN: a nut is "
            + "still at the pick position or the PART_PRESENT sensor is stuck; check the pick position and "
            + "the sensor. FEED_REQUEST and PART_TAKEN were cleared"))
    }
  }

  /// The Modbus link to the feeder dropped: fails the operation in progress with `connectionLost`
  /// and writes nothing (the link is down). The next command starts clean; on reconnect the bridge
  /// writes `PlcDevice.feeder.safeStateWrites`.
  public mutating func connectionLost() -> Decision {
    let step: PlcHandshakeError.Step
    let during: String
    switch state {
    case .idle, .aborted: return .none
    case .waitingForPart: (step, during) = (.waitPartPresent, "waiting for PART_PRESENT")
    case .presented: (step, during) = (.partPresented, "a nut was presented")
    case .waitingForRemoval: (step, during) = (.waitPartRemoved, "waiting for PART_PRESENT to drop")
    }
    let error = PlcHandshakeError(
      .connectionLost, step: step,
      "the Modbus connection to the feeder dropped while \(during); the handshake was abandoned. "
        + "Check the network and the PLC; FEED_REQUEST and PART_TAKEN are cleared when the bridge reconnects")
    let wasBusy = isBusy
    state = .aborted(error)
    return Decision(outcome: wasBusy ? .failed(error) : nil)
  }

  /// The waiting caller cancelled or its deadline passed: fails the wait in progress with
  /// `cancelled` and clears both coils. Does nothing when no operation waits.
  public mutating func cancel(now: Duration) -> Decision {
    switch state {
    case .idle, .aborted, .presented:
      return .none
    case .waitingForPart(let requestedAt):
      return fail(
        PlcHandshakeError(
          .cancelled, step: .waitPartPresent,
          "the caller gave up after \((now - requestedAt).wholeMilliseconds) ms waiting for PART_PRESENT; "
            + "FEED_REQUEST was cleared. Request again with a longer deadline if the feeder is slow"))
    case .waitingForRemoval(let takenAt):
      return fail(
        PlcHandshakeError(
          .cancelled, step: .waitPartRemoved,
          "the caller gave up after \((now - takenAt).wholeMilliseconds) ms waiting for PART_PRESENT to drop; "
            + "FEED_REQUEST and PART_TAKEN were cleared. Check the pick position before the next request"))
    }
  }

  /// Gives up a held handshake (a presented nut the cell will not pick): clears both coils and
  /// returns to idle. Fails a wait in progress like `cancel(now:)`.
  public mutating func abandon(now: Duration) -> Decision {
    if isBusy { return cancel(now: now) }
    state = .idle
    return Decision(writes: Self.coilsOff)
  }

  // MARK: - Failures

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
      "\(what): the safety chain is open (e-stop pressed or a door open). FEED_REQUEST and PART_TAKEN were "
        + "cleared; release the e-stop and close the doors, pulse FAULT_RESET, then request again")
  }

  private func faultError(_ step: PlcHandshakeError.Step, _ code: PlcFaultCode, while during: String?)
    -> PlcHandshakeError
  {
    let when = during.map { " while \($0)" } ?? ""
    return PlcHandshakeError(
      .plcFault, step: step,
      "FEEDER_FAULT is latched with FAULT_CODE \(code)\(when); \(code.remedy), then pulse FAULT_RESET "
        + "and request again",
      faultCode: code)
  }
}
