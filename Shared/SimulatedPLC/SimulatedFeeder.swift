import ModbusProtocol
import PlcHandshakes

/// The feeder PLC of one side, as docs/plc-io-map.md describes it, advanced lazily in time: every
/// read or write first brings it to `now`. Pure and deterministic for a seed.
public struct SimulatedFeeder: Sendable {
  public private(set) var coils = [Bool](repeating: false, count: FeederIOMap.Coil.allCases.count)
  public private(set) var partsRemaining: UInt16
  public private(set) var partsFed: UInt16 = 0
  public private(set) var partPresent = false
  var watchdog = PlcWatchdog()
  private var presentAt: Duration?
  private var jammed = false
  private var config: SimulatedPLCConfig
  private var random: SimulationRandom

  public init(config: SimulatedPLCConfig, seed: UInt64) {
    self.config = config
    self.random = SimulationRandom(seed: seed)
    self.partsRemaining = config.hopperCapacity
  }

  /// The four discrete inputs, in map order.
  public var discreteInputs: [Bool] {
    [feederReady, partPresent, watchdog.isFaulted, watchdog.estopOK]
  }

  /// The three input registers, in map order.
  public var inputRegisters: [UInt16] { [partsRemaining, watchdog.fault.rawValue, partsFed] }

  /// FEEDER_READY: idle, no fault, hopper not empty.
  public var feederReady: Bool {
    watchdog.acceptsRequests && partsRemaining > 0 && !partPresent && presentAt == nil && !coil(.feedRequest)
  }

  public var faultCode: PlcFaultCode { watchdog.fault }

  func coil(_ coil: FeederIOMap.Coil) -> Bool { coils[Int(coil.rawValue)] }

  /// Runs the PLC logic up to `now`.
  public mutating func advance(to now: Duration) {
    watchdog.check(now: now, timeout: config.heartbeatTimeout)
    if !watchdog.estopOK || watchdog.isFaulted {
      presentAt = nil  // an e-stop or fault aborts a feed in progress
    }
    if let due = presentAt, now >= due {
      presentAt = nil
      if coil(.feedRequest) && watchdog.acceptsRequests {
        partPresent = true
        partsFed &+= 1
      }
    }
  }

  /// A coil write from the robot. Returns an exception for an address the feeder has not.
  public mutating func writeCoil(_ address: UInt16, _ value: Bool, now: Duration) -> ModbusExceptionCode? {
    advance(to: now)
    guard let coil = FeederIOMap.Coil(rawValue: address) else { return .illegalDataAddress }
    let wasSet = coils[Int(address)]
    coils[Int(address)] = value
    switch coil {
    case .heartbeat:
      watchdog.heartbeatWritten(value, now: now)
    case .faultReset:
      if watchdog.faultResetWritten(value) {
        jammed = false
        if partsRemaining == 0 { watchdog.latch(.hopperEmpty) }  // the cause remains
      }
    case .feedRequest:
      guard value, !wasSet, watchdog.acceptsRequests, !partPresent else { break }
      if jammed {
        watchdog.latch(.jam)
      } else if partsRemaining == 0 {
        watchdog.latch(.hopperEmpty)
      } else {
        presentAt =
          now
          + random.jittered(
            config.presentDelay, jitter: config.jitter, scale: config.timeScale,
            maximum: SimulatedPLCConfig.maxPresentDelay)
      }
    case .partTaken:
      guard value, !wasSet else { break }
      if partPresent {
        partPresent = false
        partsRemaining -= 1
      } else {
        watchdog.latch(.handshakeTimeout)  // PART_TAKEN without PART_PRESENT: protocol error 17
      }
    }
    return nil
  }

  /// The next feed request jams (FAULT_CODE 1) until a FAULT_RESET.
  public mutating func injectJam() { jammed = true }
  /// Empties the hopper (FAULT_CODE 2 at the next request).
  public mutating func emptyHopper() { partsRemaining = 0 }
  /// Refills the hopper.
  public mutating func refill(_ count: UInt16) { partsRemaining = count }
  /// The PLC stops seeing the heartbeat (FAULT_CODE 16).
  public mutating func loseHeartbeat() { watchdog.loseHeartbeat() }
  /// Opens or closes the safety chain.
  public mutating func setEstop(ok: Bool, now: Duration) {
    advance(to: now)
    watchdog.setEstop(ok: ok)
    advance(to: now)
  }
}
