/// A Modbus TCP application data unit: the 7-byte MBAP header and the PDU.
///
/// Header: transaction id (2 bytes, chosen by the client, echoed by the server), protocol id
/// (2 bytes, always 0), length (2 bytes: unit id + PDU), unit id (1 byte).
public struct MBAPFrame: Hashable, Sendable {
  /// Matches a response to its request; the client picks it, the server echoes it.
  public var transactionID: UInt16
  /// The addressed device behind the endpoint (docs/plc-io-map.md: feeder 1, fixture 2 by default).
  public var unitID: UInt8
  /// Function code and data.
  public var pdu: [UInt8]

  /// Length of the MBAP header in bytes.
  public static let headerLength = 7
  /// Longest PDU Modbus allows (253 bytes), so a frame is at most 260 bytes.
  public static let maxPDULength = 253

  public init(transactionID: UInt16, unitID: UInt8, pdu: [UInt8]) {
    self.transactionID = transactionID
    self.unitID = unitID
    self.pdu = pdu
  }

  /// The frame's bytes on the wire.
  public func encode() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Self.headerLength + pdu.count)
    bytes.appendBigEndian(transactionID)
    bytes.appendBigEndian(0)
    bytes.appendBigEndian(UInt16(pdu.count + 1))
    bytes.append(unitID)
    bytes.append(contentsOf: pdu)
    return bytes
  }

  /// Cuts the first complete frame off the front of `buffer`. Returns nil (consuming nothing)
  /// while the frame is incomplete; throws when the header cannot be Modbus TCP, after which
  /// the stream cannot be resynchronised and the connection should be closed.
  public static func decode(from buffer: inout ArraySlice<UInt8>) throws(ModbusFrameError) -> MBAPFrame? {
    guard buffer.count >= headerLength else { return nil }
    let start = buffer.startIndex
    let transactionID = UInt16(buffer[start]) << 8 | UInt16(buffer[start + 1])
    let protocolID = UInt16(buffer[start + 2]) << 8 | UInt16(buffer[start + 3])
    let length = Int(UInt16(buffer[start + 4]) << 8 | UInt16(buffer[start + 5]))
    guard protocolID == 0 else {
      throw ModbusFrameError(.invalidProtocolIdentifier, "MBAP protocol identifier is \(protocolID), not 0: the peer is not speaking Modbus TCP")
    }
    guard (2...(maxPDULength + 1)).contains(length) else {
      throw ModbusFrameError(.invalidLength, "MBAP length \(length) is outside 2…\(maxPDULength + 1)")
    }
    guard buffer.count >= 6 + length else { return nil }
    let unitID = buffer[start + 6]
    let pdu = Array(buffer[(start + headerLength)..<(start + 6 + length)])
    buffer = buffer.dropFirst(6 + length)
    return MBAPFrame(transactionID: transactionID, unitID: unitID, pdu: pdu)
  }
}
