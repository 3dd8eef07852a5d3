extension PlcFaultCode {
  /// What a person should do about this fault before pulsing FAULT_RESET, in the plant's words.
  public var remedy: String {
    switch self {
    case .none: "no action needed"
    case .jam: "clear the jam in the feeder's track"
    case .hopperEmpty: "refill the feeder's hopper"
    case .nutNotSeated: "re-place the nut fully on the positioning pin"
    case .crossThread: "remove the nut and inspect the thread"
    case .torqueLow, .torqueHigh: "inspect the joint and check the nutrunner and the program's torque window"
    case .heartbeatLost: "check the bridge's connection to the PLC (no HEARTBEAT toggle for 1 s)"
    case .handshakeTimeout: "check the bridge's logs for the handshake that broke protocol"
    default: "look the code up in the PLC's documentation"
    }
  }
}
