/// The Modbus function codes the cell's PLCs use (docs/plc-io-map.md "Both").
public enum ModbusFunctionCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
  case readCoils = 1
  case readDiscreteInputs = 2
  case readHoldingRegisters = 3
  case readInputRegisters = 4
  case writeSingleCoil = 5
  case writeSingleRegister = 6
  case writeMultipleCoils = 15
  case writeMultipleRegisters = 16

  public var description: String {
    switch self {
    case .readCoils: "read coils (1)"
    case .readDiscreteInputs: "read discrete inputs (2)"
    case .readHoldingRegisters: "read holding registers (3)"
    case .readInputRegisters: "read input registers (4)"
    case .writeSingleCoil: "write single coil (5)"
    case .writeSingleRegister: "write single register (6)"
    case .writeMultipleCoils: "write multiple coils (15)"
    case .writeMultipleRegisters: "write multiple registers (16)"
    }
  }

  /// Whether sending the request twice has the same effect as once: reads are, and may be
  /// retried after a timeout or a busy answer; writes are not retried blindly (a repeated
  /// rising edge can start a second tightening).
  public var isRead: Bool {
    switch self {
    case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters: true
    default: false
    }
  }
}

/// A Modbus exception code, as a PLC answers a request it will not or cannot carry out.
public struct ModbusExceptionCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let illegalFunction = Self(rawValue: 1)
  public static let illegalDataAddress = Self(rawValue: 2)
  public static let illegalDataValue = Self(rawValue: 3)
  public static let serverDeviceFailure = Self(rawValue: 4)
  public static let acknowledge = Self(rawValue: 5)
  public static let serverDeviceBusy = Self(rawValue: 6)
  public static let memoryParityError = Self(rawValue: 8)
  public static let gatewayPathUnavailable = Self(rawValue: 10)
  public static let gatewayTargetFailedToRespond = Self(rawValue: 11)

  public var description: String {
    switch self {
    case .illegalFunction: "illegal function (1)"
    case .illegalDataAddress: "illegal data address (2)"
    case .illegalDataValue: "illegal data value (3)"
    case .serverDeviceFailure: "server device failure (4)"
    case .acknowledge: "acknowledge (5)"
    case .serverDeviceBusy: "server device busy (6)"
    case .memoryParityError: "memory parity error (8)"
    case .gatewayPathUnavailable: "gateway path unavailable (10)"
    case .gatewayTargetFailedToRespond: "gateway target device failed to respond (11)"
    default: "exception \(rawValue)"
    }
  }
}
