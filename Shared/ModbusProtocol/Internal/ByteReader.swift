/// Reads big-endian fields from a PDU, throwing when the bytes run out.
struct ByteReader {
  private var bytes: ArraySlice<UInt8>

  init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

  mutating func uint8() throws(ModbusFrameError) -> UInt8 {
    guard let byte = bytes.popFirst() else { throw ModbusFrameError(.malformedPDU, "PDU ends early") }
    return byte
  }

  mutating func uint16() throws(ModbusFrameError) -> UInt16 {
    UInt16(try uint8()) << 8 | UInt16(try uint8())
  }

  mutating func bytes(_ count: Int) throws(ModbusFrameError) -> ArraySlice<UInt8> {
    guard bytes.count >= count else {
      throw ModbusFrameError(.malformedPDU, "PDU ends early: \(count) bytes expected, \(bytes.count) left")
    }
    defer { bytes = bytes.dropFirst(count) }
    return bytes.prefix(count)
  }

  func expectEnd(_ function: ModbusFunctionCode) throws(ModbusFrameError) {
    guard bytes.isEmpty else {
      throw ModbusFrameError(.malformedPDU, "\(bytes.count) unexpected bytes after a \(function) PDU")
    }
  }
}

extension [UInt8] {
  mutating func appendBigEndian(_ value: UInt16) {
    append(UInt8(value >> 8))
    append(UInt8(value & 0xFF))
  }
}

/// Modbus packs bits least significant first, eight to a byte, the last byte zero-padded.
enum BitPacking {
  static func pack(_ bits: [Bool]) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
    for (index, bit) in bits.enumerated() where bit {
      bytes[index / 8] |= 1 << UInt8(index % 8)
    }
    return bytes
  }

  static func unpack(_ bytes: ArraySlice<UInt8>, count: Int) -> [Bool] {
    (0..<count).map { index in
      bytes[bytes.startIndex + index / 8] & (1 << UInt8(index % 8)) != 0
    }
  }
}
