// Tag names exactly as docs/plc-io-map.md spells them, so messages and diagnostics use the plant's words.

extension FeederIOMap.Coil {
  /// The tag's name in the I/O map, e.g. "FEED_REQUEST".
  public var tagName: String {
    switch self {
    case .feedRequest: "FEED_REQUEST"
    case .partTaken: "PART_TAKEN"
    case .heartbeat: "HEARTBEAT"
    case .faultReset: "FAULT_RESET"
    }
  }
}

extension FeederIOMap.DiscreteInput {
  /// The tag's name in the I/O map, e.g. "PART_PRESENT".
  public var tagName: String {
    switch self {
    case .feederReady: "FEEDER_READY"
    case .partPresent: "PART_PRESENT"
    case .feederFault: "FEEDER_FAULT"
    case .estopOK: "ESTOP_OK"
    }
  }
}

extension FeederIOMap.InputRegister {
  /// The tag's name in the I/O map, e.g. "PARTS_REMAINING".
  public var tagName: String {
    switch self {
    case .partsRemaining: "PARTS_REMAINING"
    case .faultCode: "FAULT_CODE"
    case .partsFed: "PARTS_FED"
    }
  }
}
