// Tag names exactly as docs/plc-io-map.md spells them, so messages and diagnostics use the plant's words.

extension FixtureIOMap.Coil {
  /// The tag's name in the I/O map, e.g. "CLAMP_REQUEST".
  public var tagName: String {
    switch self {
    case .clampRequest: "CLAMP_REQUEST"
    case .fastenStart: "FASTEN_START"
    case .resultAck: "RESULT_ACK"
    case .heartbeat: "HEARTBEAT"
    case .faultReset: "FAULT_RESET"
    }
  }
}

extension FixtureIOMap.DiscreteInput {
  /// The tag's name in the I/O map, e.g. "NUT_SEATED".
  public var tagName: String {
    switch self {
    case .fixtureReady: "FIXTURE_READY"
    case .nutSeated: "NUT_SEATED"
    case .clamped: "CLAMPED"
    case .fastenBusy: "FASTEN_BUSY"
    case .fastenDone: "FASTEN_DONE"
    case .fastenOK: "FASTEN_OK"
    case .fixtureFault: "FIXTURE_FAULT"
    case .estopOK: "ESTOP_OK"
    }
  }
}

extension FixtureIOMap.InputRegister {
  /// The tag's name in the I/O map, e.g. "FINAL_TORQUE".
  public var tagName: String {
    switch self {
    case .finalTorque: "FINAL_TORQUE"
    case .finalAngle: "FINAL_ANGLE"
    case .faultCode: "FAULT_CODE"
    case .cycleCount: "CYCLE_COUNT"
    }
  }
}

extension FixtureIOMap.HoldingRegister {
  /// The tag's name in the I/O map, e.g. "PROGRAM".
  public var tagName: String {
    switch self {
    case .program: "PROGRAM"
    }
  }
}
