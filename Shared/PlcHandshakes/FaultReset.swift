/// Clearing one device's latched fault (docs/plc-io-map.md: FAULT_RESET, only with ESTOP_OK = 1) as a
/// pure state machine: FAULT_RESET = 1 → the fault bit drops → FAULT_RESET = 0.
///
/// Every pulse ends with FAULT_RESET written back to 0 (while the link is up), so the next pulse is
/// a rising edge the PLC sees.
public struct FaultReset: Hashable, Sendable {
  /// Timing of a fault reset.
  public struct Config: Hashable, Sendable {
    /// FAULT_RESET to the fault bit dropping.
    public var resetTimeout: Duration

    /// Creates a configuration.
    public init(resetTimeout: Duration) {
      self.resetTimeout = resetTimeout
    }

    /// 2 s for the fault to clear.
    public static var defaults: Self { Self(resetTimeout: .seconds(2)) }
  }

  /// How a reset ended.
  public enum Outcome: Hashable, Sendable {
    /// No fault is latched (any more).
    case cleared
    /// The reset was refused or the fault persisted; the error says why and what to do.
    case failed(PlcHandshakeError)
  }

  /// Where the reset is, for diagnostics.
  public enum State: Hashable, Sendable {
    /// No reset in progress; FAULT_RESET is 0.
    case idle
    /// FAULT_RESET = 1 since `pulsedAt`, waiting for the fault to clear.
    case waitingForClear(pulsedAt: Duration)
    /// Idle after the last reset failed with this error.
    case aborted(PlcHandshakeError)
  }

  /// The decision type of this machine.
  public typealias Decision = HandshakeDecision<Outcome>

  /// The device whose fault this machine resets.
  public let device: PlcDevice
  /// The timing in use.
  public let config: Config
  /// Where the reset is.
  public private(set) var state: State = .idle

  /// Creates an idle fault reset for one device.
  public init(device: PlcDevice, config: Config = .defaults) {
    self.device = device
    self.config = config
  }

  /// Whether a reset waits for the PLC.
  public var isBusy: Bool {
    if case .waitingForClear = state { return true }
    return false
  }

  private var faultResetOff: PlcWrite { .coil(address: device.faultResetCoilAddress, value: false) }
  private var faultResetOn: PlcWrite { .coil(address: device.faultResetCoilAddress, value: true) }

  /// Starts a reset: refused with `estop` while ESTOP_OK = 0; otherwise sets FAULT_RESET and
  /// waits (see `poll`). The pulse goes out even with no fault bit set: after an e-stop the PLC
  /// owes a FAULT_RESET before anything restarts ("nothing restarts until ESTOP_OK = 1 and
  /// FAULT_RESET") without showing a fault.
  public mutating func start(now: Duration, status: PlcFaultStatus) -> Decision {
    if isBusy {
      return Decision(
        outcome: .failed(
          PlcHandshakeError(
            .outOfOrder, step: .faultReset,
            "a FAULT_RESET on the \(device) is already waiting for \(device.faultTagName) to clear; wait for it")))
    }
    guard status.estopOK else {
      return fail(
        PlcHandshakeError(
          .estop, step: .faultReset,
          "ESTOP_OK is 0: the PLC ignores FAULT_RESET while the safety chain is open; release the e-stop and "
            + "close the doors first, then reset again",
          faultCode: status.faulted ? status.faultCode : nil))
    }
    state = .waitingForClear(pulsedAt: now)
    return Decision(writes: [faultResetOn])
  }

  /// Advances the reset with the device's latest status: `.cleared` once the fault bit dropped;
  /// `estop` if ESTOP_OK fell; `plcFault` with the code if the fault is still latched when
  /// `now - pulse >= resetTimeout`. FAULT_RESET is written back to 0 in every case.
  public mutating func poll(now: Duration, status: PlcFaultStatus) -> Decision {
    guard case .waitingForClear(let pulsedAt) = state else { return .none }
    guard status.estopOK else {
      return fail(
        PlcHandshakeError(
          .estop, step: .waitFaultCleared,
          "ESTOP_OK fell to 0 during the FAULT_RESET on the \(device); release the e-stop and close the doors, "
            + "then reset again",
          faultCode: status.faulted ? status.faultCode : nil))
    }
    guard status.faulted else {
      state = .idle
      return Decision(writes: [faultResetOff], outcome: .cleared)
    }
    guard now - pulsedAt >= config.resetTimeout else { return .none }
    return fail(
      PlcHandshakeError(
        .plcFault, step: .waitFaultCleared,
        "\(device.faultTagName) is still 1 with FAULT_CODE \(status.faultCode) "
          + "\(config.resetTimeout.wholeMilliseconds) ms after FAULT_RESET: its cause remains; "
          + "\(status.faultCode.remedy), then reset again",
        faultCode: status.faultCode))
  }

  /// The Modbus link dropped: fails a reset in progress with `connectionLost`; writes nothing.
  public mutating func connectionLost() -> Decision {
    guard isBusy else { return .none }
    let error = PlcHandshakeError(
      .connectionLost, step: .waitFaultCleared,
      "the Modbus connection to the \(device) dropped during FAULT_RESET; check the network and the PLC, "
        + "then reset again once the bridge has reconnected")
    state = .aborted(error)
    return Decision(outcome: .failed(error))
  }

  /// The waiting caller cancelled or its deadline passed: fails a reset in progress with
  /// `cancelled` and writes FAULT_RESET back to 0.
  public mutating func cancel(now: Duration) -> Decision {
    guard case .waitingForClear(let pulsedAt) = state else { return .none }
    return fail(
      PlcHandshakeError(
        .cancelled, step: .waitFaultCleared,
        "the caller gave up \((now - pulsedAt).wholeMilliseconds) ms after FAULT_RESET on the \(device); "
          + "FAULT_RESET was cleared. Check \(device.faultTagName) and reset again"))
  }

  private mutating func fail(_ error: PlcHandshakeError) -> Decision {
    state = .aborted(error)
    return Decision(writes: [faultResetOff], outcome: .failed(error))
  }
}
