/// One Modbus request PDU (function code and data, without the MBAP header). Addresses are
/// 0-based protocol addresses, as in docs/plc-io-map.md.
public enum ModbusRequest: Hashable, Sendable {
  case readCoils(address: UInt16, count: UInt16)
  case readDiscreteInputs(address: UInt16, count: UInt16)
  case readHoldingRegisters(address: UInt16, count: UInt16)
  case readInputRegisters(address: UInt16, count: UInt16)
  case writeSingleCoil(address: UInt16, value: Bool)
  case writeSingleRegister(address: UInt16, value: UInt16)
  case writeMultipleCoils(address: UInt16, values: [Bool])
  case writeMultipleRegisters(address: UInt16, values: [UInt16])

  /// Most bits one read may ask for (Modbus Application Protocol v1.1b3 §6.1).
  public static let maxReadBits: UInt16 = 2000
  /// Most registers one read may ask for (§6.3).
  public static let maxReadRegisters: UInt16 = 125
  /// Most coils one write may set (§6.11).
  public static let maxWriteCoils = 1968
  /// Most registers one write may set (§6.12).
  public static let maxWriteRegisters = 123

  public var functionCode: ModbusFunctionCode {
    switch self {
    case .readCoils: .readCoils
    case .readDiscreteInputs: .readDiscreteInputs
    case .readHoldingRegisters: .readHoldingRegisters
    case .readInputRegisters: .readInputRegisters
    case .writeSingleCoil: .writeSingleCoil
    case .writeSingleRegister: .writeSingleRegister
    case .writeMultipleCoils: .writeMultipleCoils
    case .writeMultipleRegisters: .writeMultipleRegisters
    }
  }

  /// The first address the request touches.
  public var address: UInt16 {
    switch self {
    case .readCoils(let address, _), .readDiscreteInputs(let address, _),
      .readHoldingRegisters(let address, _), .readInputRegisters(let address, _),
      .writeSingleCoil(let address, _), .writeSingleRegister(let address, _),
      .writeMultipleCoils(let address, _), .writeMultipleRegisters(let address, _):
      address
    }
  }

  /// Checks quantities and address ranges against the specification.
  public func validate() throws(ModbusFrameError) {
    func check(_ count: Int, _ limit: Int, _ what: String) throws(ModbusFrameError) {
      guard (1...limit).contains(count) else {
        throw ModbusFrameError(.valueOutOfRange, "\(functionCode) asks for \(count) \(what); allowed 1…\(limit).")
      }
      guard Int(address) + count <= 65536 else {
        throw ModbusFrameError(.valueOutOfRange, "\(functionCode) at \(address) for \(count) \(what) runs past address 65535.")
      }
    }
    switch self {
    case .readCoils(_, let count), .readDiscreteInputs(_, let count):
      try check(Int(count), Int(Self.maxReadBits), "bits")
    case .readHoldingRegisters(_, let count), .readInputRegisters(_, let count):
      try check(Int(count), Int(Self.maxReadRegisters), "registers")
    case .writeMultipleCoils(_, let values):
      try check(values.count, Self.maxWriteCoils, "coils")
    case .writeMultipleRegisters(_, let values):
      try check(values.count, Self.maxWriteRegisters, "registers")
    case .writeSingleCoil, .writeSingleRegister:
      break
    }
  }

  /// The request's PDU bytes; throws for quantities the specification does not allow.
  public func encode() throws(ModbusFrameError) -> [UInt8] {
    try validate()
    var bytes: [UInt8] = [functionCode.rawValue]
    switch self {
    case .readCoils(let address, let count), .readDiscreteInputs(let address, let count),
      .readHoldingRegisters(let address, let count), .readInputRegisters(let address, let count):
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(count)
    case .writeSingleCoil(let address, let value):
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(value ? 0xFF00 : 0x0000)
    case .writeSingleRegister(let address, let value):
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(value)
    case .writeMultipleCoils(let address, let values):
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(UInt16(values.count))
      let packed = BitPacking.pack(values)
      bytes.append(UInt8(packed.count))
      bytes.append(contentsOf: packed)
    case .writeMultipleRegisters(let address, let values):
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(UInt16(values.count))
      bytes.append(UInt8(values.count * 2))
      for value in values { bytes.appendBigEndian(value) }
    }
    return bytes
  }

  /// Reads a request PDU (the server side: our simulated PLCs). A function code outside the
  /// supported set throws `.unsupportedFunction` (answer it with exception 1); a malformed or
  /// out-of-range request throws (answer it with exception 3).
  public static func decode(_ pdu: ArraySlice<UInt8>) throws(ModbusFrameError) -> ModbusRequest {
    guard let first = pdu.first else { throw ModbusFrameError(.malformedPDU, "empty request PDU") }
    guard let function = ModbusFunctionCode(rawValue: first) else {
      throw ModbusFrameError(.unsupportedFunction, "function code \(first) is not supported")
    }
    var reader = ByteReader(pdu.dropFirst())
    let request: ModbusRequest
    switch function {
    case .readCoils, .readDiscreteInputs, .readHoldingRegisters, .readInputRegisters:
      let address = try reader.uint16(), count = try reader.uint16()
      request =
        switch function {
        case .readCoils: .readCoils(address: address, count: count)
        case .readDiscreteInputs: .readDiscreteInputs(address: address, count: count)
        case .readHoldingRegisters: .readHoldingRegisters(address: address, count: count)
        default: .readInputRegisters(address: address, count: count)
        }
    case .writeSingleCoil:
      let address = try reader.uint16(), raw = try reader.uint16()
      guard raw == 0xFF00 || raw == 0x0000 else {
        throw ModbusFrameError(.valueOutOfRange, "single coil value must be 0xFF00 or 0x0000, got 0x\(String(raw, radix: 16))")
      }
      request = .writeSingleCoil(address: address, value: raw == 0xFF00)
    case .writeSingleRegister:
      request = .writeSingleRegister(address: try reader.uint16(), value: try reader.uint16())
    case .writeMultipleCoils:
      let address = try reader.uint16(), count = try reader.uint16(), byteCount = try reader.uint8()
      guard Int(byteCount) == (Int(count) + 7) / 8 else {
        throw ModbusFrameError(.malformedPDU, "byte count \(byteCount) does not fit \(count) coils")
      }
      let packed = try reader.bytes(Int(byteCount))
      request = .writeMultipleCoils(address: address, values: BitPacking.unpack(packed, count: Int(count)))
    case .writeMultipleRegisters:
      let address = try reader.uint16(), count = try reader.uint16(), byteCount = try reader.uint8()
      guard Int(byteCount) == Int(count) * 2 else {
        throw ModbusFrameError(.malformedPDU, "byte count \(byteCount) does not fit \(count) registers")
      }
      var values: [UInt16] = []
      for _ in 0..<count { values.append(try reader.uint16()) }
      request = .writeMultipleRegisters(address: address, values: values)
    }
    try reader.expectEnd(function)
    try request.validate()
    return request
  }
}
