/// One write the bridge must perform on a PLC, as a handshake machine decided it.
///
/// A write carries no device: the machine that produced it belongs to one device (feeder or
/// fixture), and the bridge sends it to that device's endpoint and unit id.
public enum PlcWrite: Hashable, Sendable, CustomStringConvertible {
  /// Write one coil (function code 5).
  case coil(address: UInt16, value: Bool)
  /// Write one holding register (function code 6).
  case holdingRegister(address: UInt16, value: UInt16)

  /// A feeder coil, e.g. `.feeder(.feedRequest, true)`.
  public static func feeder(_ coil: FeederIOMap.Coil, _ value: Bool) -> PlcWrite {
    .coil(address: coil.rawValue, value: value)
  }

  /// A fixture coil, e.g. `.fixture(.clampRequest, false)`.
  public static func fixture(_ coil: FixtureIOMap.Coil, _ value: Bool) -> PlcWrite {
    .coil(address: coil.rawValue, value: value)
  }

  /// A fixture holding register, e.g. `.fixture(.program, 7)`.
  public static func fixture(_ register: FixtureIOMap.HoldingRegister, _ value: UInt16) -> PlcWrite {
    .holdingRegister(address: register.rawValue, value: value)
  }

  /// The fixture's PROGRAM register set to a tightening program number.
  public static func program(_ number: UInt16) -> PlcWrite {
    .fixture(.program, number)
  }

  public var description: String {
    switch self {
    case .coil(let address, let value): "coil \(address) := \(value ? 1 : 0)"
    case .holdingRegister(let address, let value): "holding register \(address) := \(value)"
    }
  }
}
