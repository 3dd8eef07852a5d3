/// The cell PLCs' Modbus addresses, from docs/plc-io-map.md revision 1 (0-based protocol addresses).
/// Nothing outside the PLC bridge and the simulated PLCs needs to know them.
public enum FeederIOMap {
  /// Default unit id of the feeder.
  public static let defaultUnitID: UInt8 = 1

  /// Coils the robot (the bridge) writes.
  public enum Coil: UInt16, Sendable, CaseIterable {
    /// 1 = present one nut at the pick position.
    case feedRequest = 0
    /// 1 = the robot has picked the presented nut.
    case partTaken = 1
    /// Toggled at least every 250 ms while the bridge is connected.
    case heartbeat = 2
    /// Rising edge clears a latched fault (only with ESTOP_OK = 1).
    case faultReset = 3
  }

  /// Discrete inputs the PLC sets.
  public enum DiscreteInput: UInt16, Sendable, CaseIterable {
    /// 1 = idle, no fault, hopper not empty.
    case feederReady = 0
    /// 1 = a nut waits at the pick position.
    case partPresent = 1
    /// 1 = latched fault, see FAULT_CODE.
    case feederFault = 2
    /// 1 = safety chain closed.
    case estopOK = 3
  }

  /// Input registers the PLC sets.
  public enum InputRegister: UInt16, Sendable, CaseIterable {
    /// Nuts left in the hopper.
    case partsRemaining = 0
    /// 0 none, 1 jam, 2 hopper empty, 16 heartbeat lost, 17 handshake timeout.
    case faultCode = 1
    /// Nuts presented since power-up (wraps at 65535).
    case partsFed = 2
  }
}

/// The fixture's addresses (docs/plc-io-map.md "Fixture").
public enum FixtureIOMap {
  /// Default unit id of the fixture.
  public static let defaultUnitID: UInt8 = 2

  /// Coils the robot (the bridge) writes.
  public enum Coil: UInt16, Sendable, CaseIterable {
    /// 1 = clamp the part (only once NUT_SEATED = 1).
    case clampRequest = 0
    /// Rising edge starts the tightening program (only when CLAMPED = 1).
    case fastenStart = 1
    /// 1 = result read; the PLC then drops FASTEN_DONE and unclamps.
    case resultAck = 2
    /// Toggled at least every 250 ms while the bridge is connected.
    case heartbeat = 3
    /// Rising edge clears a latched fault (only with ESTOP_OK = 1).
    case faultReset = 4
  }

  /// Discrete inputs the PLC sets.
  public enum DiscreteInput: UInt16, Sendable, CaseIterable {
    /// 1 = idle, unclamped, no fault.
    case fixtureReady = 0
    /// 1 = the proximity sensor sees a nut fully on the positioning pin.
    case nutSeated = 1
    /// 1 = clamp closed.
    case clamped = 2
    /// 1 = tightening running.
    case fastenBusy = 3
    /// 1 = result valid in the input registers.
    case fastenDone = 4
    /// 1 = torque and angle inside the window (valid with FASTEN_DONE).
    case fastenOK = 5
    /// 1 = latched fault, see FAULT_CODE.
    case fixtureFault = 6
    /// 1 = safety chain closed.
    case estopOK = 7
  }

  /// Input registers the PLC sets.
  public enum InputRegister: UInt16, Sendable, CaseIterable {
    /// Final torque in 0.01 N·m.
    case finalTorque = 0
    /// Final angle in 0.1 degree.
    case finalAngle = 1
    /// 0 none, 3 nut not seated, 4 cross-thread, 5 torque low, 6 torque high, 16 heartbeat
    /// lost, 17 handshake timeout.
    case faultCode = 2
    /// Tightening cycles since power-up (wraps at 65535).
    case cycleCount = 3
  }

  /// Holding registers the robot (the bridge) writes.
  public enum HoldingRegister: UInt16, Sendable, CaseIterable {
    /// Tightening program number (1–16) used at the next FASTEN_START.
    case program = 0
  }

  /// Valid tightening programs.
  public static let programs: ClosedRange<UInt16> = 1...16
}

/// A PLC's FAULT_CODE register value (feeder and fixture share one numbering).
public struct PlcFaultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  public static let none = Self(rawValue: 0)
  public static let jam = Self(rawValue: 1)
  public static let hopperEmpty = Self(rawValue: 2)
  public static let nutNotSeated = Self(rawValue: 3)
  public static let crossThread = Self(rawValue: 4)
  public static let torqueLow = Self(rawValue: 5)
  public static let torqueHigh = Self(rawValue: 6)
  public static let heartbeatLost = Self(rawValue: 16)
  public static let handshakeTimeout = Self(rawValue: 17)

  public var description: String {
    switch self {
    case .none: "no fault (0)"
    case .jam: "feeder jam (1)"
    case .hopperEmpty: "hopper empty (2)"
    case .nutNotSeated: "nut not seated (3)"
    case .crossThread: "cross-thread (4)"
    case .torqueLow: "torque low (5)"
    case .torqueHigh: "torque high (6)"
    case .heartbeatLost: "heartbeat lost (16)"
    case .handshakeTimeout: "handshake timeout (17)"
    default: "unknown fault code \(rawValue)"
    }
  }
}

/// What the bridge last read from a feeder: its discrete inputs and input registers.
public struct FeederInputs: Hashable, Sendable {
  public var feederReady: Bool
  public var partPresent: Bool
  public var feederFault: Bool
  public var estopOK: Bool
  public var partsRemaining: UInt16
  public var faultCode: PlcFaultCode
  public var partsFed: UInt16

  public init(
    feederReady: Bool = false, partPresent: Bool = false, feederFault: Bool = false, estopOK: Bool = false,
    partsRemaining: UInt16 = 0, faultCode: PlcFaultCode = .none, partsFed: UInt16 = 0
  ) {
    self.feederReady = feederReady
    self.partPresent = partPresent
    self.feederFault = feederFault
    self.estopOK = estopOK
    self.partsRemaining = partsRemaining
    self.faultCode = faultCode
    self.partsFed = partsFed
  }

  /// Builds the snapshot from one read of the 4 discrete inputs and 3 input registers.
  public init?(discreteInputs: [Bool], inputRegisters: [UInt16]) {
    guard discreteInputs.count >= 4, inputRegisters.count >= 3 else { return nil }
    self.init(
      feederReady: discreteInputs[0], partPresent: discreteInputs[1], feederFault: discreteInputs[2],
      estopOK: discreteInputs[3], partsRemaining: inputRegisters[0],
      faultCode: PlcFaultCode(rawValue: inputRegisters[1]), partsFed: inputRegisters[2])
  }
}

/// What the bridge last read from a fixture: its discrete inputs and input registers.
public struct FixtureInputs: Hashable, Sendable {
  public var fixtureReady: Bool
  public var nutSeated: Bool
  public var clamped: Bool
  public var fastenBusy: Bool
  public var fastenDone: Bool
  public var fastenOK: Bool
  public var fixtureFault: Bool
  public var estopOK: Bool
  /// FINAL_TORQUE as the PLC holds it, in 0.01 N·m.
  public var finalTorqueCentiNm: UInt16
  /// FINAL_ANGLE as the PLC holds it, in 0.1°.
  public var finalAngleDeciDeg: UInt16
  public var faultCode: PlcFaultCode
  public var cycleCount: UInt16

  public init(
    fixtureReady: Bool = false, nutSeated: Bool = false, clamped: Bool = false, fastenBusy: Bool = false,
    fastenDone: Bool = false, fastenOK: Bool = false, fixtureFault: Bool = false, estopOK: Bool = false,
    finalTorqueCentiNm: UInt16 = 0, finalAngleDeciDeg: UInt16 = 0, faultCode: PlcFaultCode = .none,
    cycleCount: UInt16 = 0
  ) {
    self.fixtureReady = fixtureReady
    self.nutSeated = nutSeated
    self.clamped = clamped
    self.fastenBusy = fastenBusy
    self.fastenDone = fastenDone
    self.fastenOK = fastenOK
    self.fixtureFault = fixtureFault
    self.estopOK = estopOK
    self.finalTorqueCentiNm = finalTorqueCentiNm
    self.finalAngleDeciDeg = finalAngleDeciDeg
    self.faultCode = faultCode
    self.cycleCount = cycleCount
  }

  /// Builds the snapshot from one read of the 8 discrete inputs and 4 input registers.
  public init?(discreteInputs: [Bool], inputRegisters: [UInt16]) {
    guard discreteInputs.count >= 8, inputRegisters.count >= 4 else { return nil }
    self.init(
      fixtureReady: discreteInputs[0], nutSeated: discreteInputs[1], clamped: discreteInputs[2],
      fastenBusy: discreteInputs[3], fastenDone: discreteInputs[4], fastenOK: discreteInputs[5],
      fixtureFault: discreteInputs[6], estopOK: discreteInputs[7], finalTorqueCentiNm: inputRegisters[0],
      finalAngleDeciDeg: inputRegisters[1], faultCode: PlcFaultCode(rawValue: inputRegisters[2]),
      cycleCount: inputRegisters[3])
  }

  /// Final torque in N·m.
  public var finalTorqueNm: Double { Double(finalTorqueCentiNm) / 100 }
  /// Final angle in degrees.
  public var finalAngleDeg: Double { Double(finalAngleDeciDeg) / 10 }
}
