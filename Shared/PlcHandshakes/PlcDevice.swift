/// Which of a side's two PLC endpoints something concerns.
public enum PlcDevice: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
  /// The nut feeder (default unit id 1).
  case feeder
  /// The tightening fixture (default unit id 2).
  case fixture

  /// The device's FAULT_RESET coil address.
  public var faultResetCoilAddress: UInt16 {
    switch self {
    case .feeder: FeederIOMap.Coil.faultReset.rawValue
    case .fixture: FixtureIOMap.Coil.faultReset.rawValue
    }
  }

  /// The device's HEARTBEAT coil address.
  public var heartbeatCoilAddress: UInt16 {
    switch self {
    case .feeder: FeederIOMap.Coil.heartbeat.rawValue
    case .fixture: FixtureIOMap.Coil.heartbeat.rawValue
    }
  }

  /// The name of the device's latched-fault input, "FEEDER_FAULT" or "FIXTURE_FAULT".
  public var faultTagName: String {
    switch self {
    case .feeder: FeederIOMap.DiscreteInput.feederFault.tagName
    case .fixture: FixtureIOMap.DiscreteInput.fixtureFault.tagName
    }
  }

  /// Every handshake coil the robot writes, set to 0 (HEARTBEAT excluded: it keeps toggling).
  ///
  /// The bridge writes these on every (re)connect, because a handshake cut by a lost connection
  /// could not write its coils back and the PLC keeps their last values.
  public var safeStateWrites: [PlcWrite] {
    switch self {
    case .feeder: [.feeder(.feedRequest, false), .feeder(.partTaken, false), .feeder(.faultReset, false)]
    case .fixture:
      [
        .fixture(.clampRequest, false), .fixture(.fastenStart, false), .fixture(.resultAck, false),
        .fixture(.faultReset, false),
      ]
    }
  }

  public var description: String { rawValue }
}
