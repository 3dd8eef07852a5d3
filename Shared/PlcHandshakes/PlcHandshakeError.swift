/// Why a PLC handshake did not complete: a code to switch on, a message a person can act on (in the
/// I/O map's tag names), the PLC's FAULT_CODE when one was latched, and the step it happened in.
public struct PlcHandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of failure this is; the bridge maps each to a gRPC status.
  public enum Code: String, Hashable, Sendable, CaseIterable {
    /// The PLC did not reach the awaited state within the I/O map's time (DEADLINE_EXCEEDED).
    case timeout
    /// ESTOP_OK = 0: the safety chain is open (ABORTED while running, FAILED_PRECONDITION at start).
    case estop
    /// The device latched a fault; `faultCode` says which (FAILED_PRECONDITION).
    case plcFault = "plc_fault"
    /// The device is not ready for the request (FEEDER_READY / FIXTURE_READY = 0).
    case notReady = "not_ready"
    /// The PLC did something the I/O map does not allow at this point.
    case protocolViolation = "protocol_violation"
    /// The Modbus connection dropped while the handshake was in progress (ABORTED).
    case connectionLost = "connection_lost"
    /// A caller's argument is outside what the map allows, e.g. program 17 (INVALID_ARGUMENT).
    case invalidArgument = "invalid_argument"
    /// The caller cancelled or its deadline passed; the machine wrote its coils back to 0.
    case cancelled
    /// The command does not fit the handshake's current state, e.g. PART_TAKEN before a part was
    /// presented; nothing was written.
    case outOfOrder = "out_of_order"
  }

  /// Where in a handshake a failure happened.
  public enum Step: String, Hashable, Sendable, CaseIterable {
    /// Checking a feed request's preconditions.
    case requestPart = "request_part"
    /// FEED_REQUEST = 1, waiting for PART_PRESENT.
    case waitPartPresent = "wait_part_present"
    /// A part is presented and waits to be picked.
    case partPresented = "part_presented"
    /// Checking PART_TAKEN's preconditions.
    case confirmTaken = "confirm_taken"
    /// PART_TAKEN = 1, waiting for PART_PRESENT to drop.
    case waitPartRemoved = "wait_part_removed"
    /// Checking a clamp's preconditions.
    case clamp
    /// Waiting for NUT_SEATED.
    case waitNutSeated = "wait_nut_seated"
    /// CLAMP_REQUEST = 1, waiting for CLAMPED.
    case waitClamped = "wait_clamped"
    /// The part is clamped and waits for FASTEN_START.
    case clamped
    /// Checking a fastening's preconditions.
    case fasten
    /// FASTEN_START = 1, waiting for FASTEN_DONE.
    case waitFastenDone = "wait_fasten_done"
    /// A result is held and waits for RESULT_ACK.
    case fastened
    /// Checking RESULT_ACK's preconditions.
    case acknowledgeResult = "acknowledge_result"
    /// RESULT_ACK = 1, waiting for FASTEN_DONE and CLAMPED to drop.
    case waitReleased = "wait_released"
    /// Checking a fault reset's preconditions.
    case faultReset = "fault_reset"
    /// FAULT_RESET = 1, waiting for the fault to clear.
    case waitFaultCleared = "wait_fault_cleared"
    /// Configuring the heartbeat.
    case heartbeat
  }

  /// What kind of failure this is.
  public var code: Code
  /// What happened and what to do, naming the I/O map's tags.
  public var message: String
  /// The device's FAULT_CODE when the failure involves a latched fault.
  public var faultCode: PlcFaultCode?
  /// The step the handshake was in.
  public var step: Step

  /// Creates an error; `message` should say what happened and what a person should do.
  public init(_ code: Code, step: Step, _ message: String, faultCode: PlcFaultCode? = nil) {
    self.code = code
    self.step = step
    self.message = message
    self.faultCode = faultCode
  }

  public var description: String { "\(code.rawValue) at \(step.rawValue): \(message)" }
}
