import ModbusProtocol
import PlcHandshakes

/// The tightening fixture PLC of one side (docs/plc-io-map.md "Fixture"), advanced lazily in time.
/// NUT_SEATED is the world's business: the simulation sets it (``nutSeated``).
public struct SimulatedFixture: Sendable {
  /// How the next tightening ends (armed by fault injection, else by the nut's seating).
  public enum TighteningResult: Sendable, Hashable {
    case ok
    case crossThread
    case torqueLow(Double)
    case torqueHigh(Double)
  }

  public private(set) var coils = [Bool](repeating: false, count: FixtureIOMap.Coil.allCases.count)
  public private(set) var program: UInt16 = 1
  /// NUT_SEATED: a nut sits fully on the positioning pin (set by the simulation).
  public var nutSeated = false
  public private(set) var clamped = false
  public private(set) var fastenBusy = false
  public private(set) var fastenDone = false
  public private(set) var fastenOK = false
  public private(set) var finalTorqueCentiNm: UInt16 = 0
  public private(set) var finalAngleDeciDeg: UInt16 = 0
  public private(set) var cycleCount: UInt16 = 0
  var watchdog = PlcWatchdog()
  private var clampAt: Duration?
  private var doneAt: Duration?
  private var releaseAt: Duration?
  private var armedResult: TighteningResult?
  private var config: SimulatedPLCConfig
  private var random: SimulationRandom

  public init(config: SimulatedPLCConfig, seed: UInt64) {
    self.config = config
    self.random = SimulationRandom(seed: seed)
  }

  /// The eight discrete inputs, in map order.
  public var discreteInputs: [Bool] {
    [fixtureReady, nutSeated, clamped, fastenBusy, fastenDone, fastenOK, watchdog.isFaulted, watchdog.estopOK]
  }

  /// The four input registers, in map order.
  public var inputRegisters: [UInt16] { [finalTorqueCentiNm, finalAngleDeciDeg, faultCode.rawValue, cycleCount] }

  /// FIXTURE_READY: idle, unclamped, no fault.
  public var fixtureReady: Bool {
    watchdog.acceptsRequests && !clamped && clampAt == nil && !fastenBusy && !fastenDone
  }

  /// FAULT_CODE: the latched fault if any, else the reason of the last NOK result (3–6), which
  /// is a result, not a latched fault: FIXTURE_FAULT stays 0 and RESULT_ACK clears it.
  public var faultCode: PlcFaultCode { watchdog.isFaulted ? watchdog.fault : resultCode }
  private var resultCode: PlcFaultCode = .none

  func coil(_ coil: FixtureIOMap.Coil) -> Bool { coils[Int(coil.rawValue)] }

  /// Runs the PLC logic up to `now`.
  public mutating func advance(to now: Duration) {
    watchdog.check(now: now, timeout: config.heartbeatTimeout)
    if !watchdog.estopOK {
      // E-stop: tightening stops, the clamp opens, no result.
      clampAt = nil
      doneAt = nil
      fastenBusy = false
      clamped = false
    }
    if let due = clampAt, now >= due {
      clampAt = nil
      if coil(.clampRequest) && nutSeated && watchdog.acceptsRequests { clamped = true }
    }
    if let due = doneAt, now >= due {
      doneAt = nil
      finishTightening()
    }
    if let due = releaseAt, now >= due {
      releaseAt = nil
      fastenDone = false
      fastenOK = false
      clamped = false
      resultCode = .none
    }
  }

  private mutating func finishTightening() {
    fastenBusy = false
    fastenDone = true
    cycleCount &+= 1
    let result = armedResult ?? .ok
    armedResult = nil
    let noise = (random.unit() - 0.5) * 0.4
    var torqueNm = config.nominalTorqueNm + noise
    var angleDeg = config.nominalAngleDeg + (random.unit() - 0.5) * 20
    switch result {
    case .ok where nutSeated:
      fastenOK = config.torqueWindowNm.contains(torqueNm)
    case .ok:
      // The nut left the pin during tightening: not seated (3).
      fastenOK = false
      torqueNm = 0.8
      angleDeg = 40
      resultCode = .nutNotSeated
    case .crossThread:
      fastenOK = false
      torqueNm = config.torqueWindowNm.upperBound + 3
      angleDeg = 95
      resultCode = .crossThread
    case .torqueLow(let value):
      fastenOK = false
      torqueNm = value
      resultCode = .torqueLow
    case .torqueHigh(let value):
      fastenOK = false
      torqueNm = value
      resultCode = .torqueHigh
    }
    finalTorqueCentiNm = UInt16(clamping: Int((torqueNm * 100).rounded()))
    finalAngleDeciDeg = UInt16(clamping: Int((angleDeg * 10).rounded()))
  }

  /// A coil write from the robot. Returns an exception for an address the fixture has not.
  public mutating func writeCoil(_ address: UInt16, _ value: Bool, now: Duration) -> ModbusExceptionCode? {
    advance(to: now)
    guard let coil = FixtureIOMap.Coil(rawValue: address) else { return .illegalDataAddress }
    let wasSet = coils[Int(address)]
    coils[Int(address)] = value
    switch coil {
    case .heartbeat:
      watchdog.heartbeatWritten(value, now: now)
    case .faultReset:
      _ = watchdog.faultResetWritten(value)
    case .clampRequest:
      guard value, !wasSet, watchdog.acceptsRequests, nutSeated, !clamped else { break }
      clampAt =
        now
        + random.jittered(
          config.clampDelay, jitter: config.jitter, scale: config.timeScale, maximum: SimulatedPLCConfig.maxClampDelay)
    case .fastenStart:
      guard value, !wasSet else { break }
      guard clamped, watchdog.acceptsRequests, !fastenBusy, !fastenDone else {
        watchdog.latch(.handshakeTimeout)  // FASTEN_START without CLAMPED: protocol error 17
        break
      }
      fastenBusy = true
      doneAt =
        now
        + random.jittered(
          config.fastenDuration, jitter: config.jitter, scale: config.timeScale,
          maximum: SimulatedPLCConfig.maxFastenDuration)
    case .resultAck:
      guard value, !wasSet, fastenDone else { break }
      releaseAt = now + config.releaseDelay * config.timeScale
    }
    return nil
  }

  /// A holding register write: only PROGRAM (0), 1–16.
  public mutating func writeRegister(_ address: UInt16, _ value: UInt16, now: Duration) -> ModbusExceptionCode? {
    advance(to: now)
    guard address == FixtureIOMap.HoldingRegister.program.rawValue else { return .illegalDataAddress }
    guard FixtureIOMap.programs.contains(value) else { return .illegalDataValue }
    program = value
    return nil
  }

  /// How the next tightening ends.
  public mutating func arm(_ result: TighteningResult) { armedResult = result }
  /// The PLC stops seeing the heartbeat (FAULT_CODE 16).
  public mutating func loseHeartbeat() { watchdog.loseHeartbeat() }
  /// Opens or closes the safety chain.
  public mutating func setEstop(ok: Bool, now: Duration) {
    advance(to: now)
    watchdog.setEstop(ok: ok)
    advance(to: now)
  }
}
