import PlcHandshakes

/// What feeder and fixture PLCs share (docs/plc-io-map.md "Both"): the heartbeat watchdog, the
/// e-stop chain, the latched fault and FAULT_RESET.
struct PlcWatchdog: Sendable, Hashable {
  /// ESTOP_OK: the safety chain is closed.
  var estopOK = true
  /// The latched fault, or `.none`.
  var fault: PlcFaultCode = .none
  /// Set by an e-stop: nothing restarts until ESTOP_OK = 1 and a FAULT_RESET.
  var resetRequired = false
  /// Armed once the first HEARTBEAT toggle is seen (a PLC cannot miss what never started).
  private var lastHeartbeatAt: Duration?
  private var heartbeat = false
  private var faultReset = false

  var isFaulted: Bool { fault != .none }
  /// Whether new requests may start.
  var acceptsRequests: Bool { estopOK && !isFaulted && !resetRequired }

  mutating func latch(_ code: PlcFaultCode) {
    if fault == .none { fault = code }
  }

  /// A HEARTBEAT coil write.
  mutating func heartbeatWritten(_ value: Bool, now: Duration) {
    if value != heartbeat || lastHeartbeatAt == nil { lastHeartbeatAt = now }
    heartbeat = value
  }

  /// A FAULT_RESET coil write; returns true on a rising edge that may clear the fault.
  mutating func faultResetWritten(_ value: Bool) -> Bool {
    defer { faultReset = value }
    guard value, !faultReset, estopOK else { return false }
    fault = .none
    resetRequired = false
    return true
  }

  /// Latches FAULT_CODE 16 once the heartbeat has been silent for `timeout`.
  mutating func check(now: Duration, timeout: Duration) {
    if let last = lastHeartbeatAt, now - last > timeout {
      latch(.heartbeatLost)
      lastHeartbeatAt = nil  // re-armed by the next toggle
    }
  }

  /// The heartbeat is lost at once (fault injection).
  mutating func loseHeartbeat() {
    latch(.heartbeatLost)
    lastHeartbeatAt = nil
  }

  /// Opens (false) or closes (true) the safety chain.
  mutating func setEstop(ok: Bool) {
    if !ok { resetRequired = true }
    estopOK = ok
  }
}
