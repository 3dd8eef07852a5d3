/// One Modbus response PDU, decoded against the request it answers.
public enum ModbusResponse: Hashable, Sendable {
  /// Coils or discrete inputs read, exactly as many as asked for.
  case bits([Bool])
  /// Holding or input registers read.
  case registers([UInt16])
  /// A single coil or register write, echoed back by the PLC.
  case wroteSingle(address: UInt16, value: UInt16)
  /// A multiple coil or register write, confirmed with its address and quantity.
  case wroteMultiple(address: UInt16, count: UInt16)
  /// The PLC refused: the function it answers and why.
  case exception(ModbusFunctionCode, ModbusExceptionCode)

  /// The response PDU bytes answering `request` (the server side).
  public func encode(answering request: ModbusRequest) -> [UInt8] {
    let function = request.functionCode.rawValue
    var bytes: [UInt8] = []
    switch self {
    case .bits(let bits):
      let packed = BitPacking.pack(bits)
      bytes = [function, UInt8(packed.count)] + packed
    case .registers(let registers):
      bytes = [function, UInt8(registers.count * 2)]
      for register in registers { bytes.appendBigEndian(register) }
    case .wroteSingle(let address, let value):
      bytes = [function]
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(value)
    case .wroteMultiple(let address, let count):
      bytes = [function]
      bytes.appendBigEndian(address)
      bytes.appendBigEndian(count)
    case .exception(_, let code):
      bytes = [function | 0x80, code.rawValue]
    }
    return bytes
  }

  /// Reads the response PDU to `request` (the client side), checking that it answers that
  /// request: same function, the byte count the quantity implies, the write echoed back.
  public static func decode(_ pdu: ArraySlice<UInt8>, answering request: ModbusRequest) throws(ModbusFrameError)
    -> ModbusResponse
  {
    let function = request.functionCode
    guard let first = pdu.first else { throw ModbusFrameError(.malformedPDU, "empty response PDU") }
    var reader = ByteReader(pdu.dropFirst())
    if first == function.rawValue | 0x80 {
      let code = ModbusExceptionCode(rawValue: try reader.uint8())
      try reader.expectEnd(function)
      return .exception(function, code)
    }
    guard first == function.rawValue else {
      throw ModbusFrameError(.responseMismatch, "a \(function) request was answered with function code \(first)")
    }
    let response: ModbusResponse
    switch request {
    case .readCoils(_, let count), .readDiscreteInputs(_, let count):
      let byteCount = try reader.uint8()
      guard Int(byteCount) == (Int(count) + 7) / 8 else {
        throw ModbusFrameError(.responseMismatch, "\(function) for \(count) bits answered with \(byteCount) bytes")
      }
      response = .bits(BitPacking.unpack(try reader.bytes(Int(byteCount)), count: Int(count)))
    case .readHoldingRegisters(_, let count), .readInputRegisters(_, let count):
      let byteCount = try reader.uint8()
      guard Int(byteCount) == Int(count) * 2 else {
        throw ModbusFrameError(.responseMismatch, "\(function) for \(count) registers answered with \(byteCount) bytes")
      }
      var registers: [UInt16] = []
      for _ in 0..<count { registers.append(try reader.uint16()) }
      response = .registers(registers)
    case .writeSingleCoil(let address, let value):
      let echoedAddress = try reader.uint16(), echoedValue = try reader.uint16()
      guard echoedAddress == address, echoedValue == (value ? 0xFF00 : 0) else {
        throw ModbusFrameError(.responseMismatch, "\(function) echo (\(echoedAddress), 0x\(String(echoedValue, radix: 16))) differs from the request")
      }
      response = .wroteSingle(address: address, value: echoedValue)
    case .writeSingleRegister(let address, let value):
      let echoedAddress = try reader.uint16(), echoedValue = try reader.uint16()
      guard echoedAddress == address, echoedValue == value else {
        throw ModbusFrameError(.responseMismatch, "\(function) echo (\(echoedAddress), \(echoedValue)) differs from the request")
      }
      response = .wroteSingle(address: address, value: value)
    case .writeMultipleCoils(let address, let values):
      response = try confirmation(&reader, function, address: address, count: values.count)
    case .writeMultipleRegisters(let address, let values):
      response = try confirmation(&reader, function, address: address, count: values.count)
    }
    try reader.expectEnd(function)
    return response
  }

  private static func confirmation(
    _ reader: inout ByteReader, _ function: ModbusFunctionCode, address: UInt16, count: Int
  ) throws(ModbusFrameError) -> ModbusResponse {
    let echoedAddress = try reader.uint16(), echoedCount = try reader.uint16()
    guard echoedAddress == address, Int(echoedCount) == count else {
      throw ModbusFrameError(
        .responseMismatch, "\(function) confirmation (\(echoedAddress), \(echoedCount)) differs from the request")
    }
    return .wroteMultiple(address: address, count: echoedCount)
  }
}
