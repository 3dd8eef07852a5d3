/// The robot joint bus (docs/joint-bus.md): one UDP datagram per 1 ms tick each way,
/// little-endian, fixed sizes, CRC-32 last. A controller sends a ``JointBusCommand`` for each
/// robot; the robot (or cell-sim) answers with a ``JointBusState``.
public enum JointBus {
  /// "WCJB" as it appears on the wire (bytes 0x57 0x43 0x4A 0x42).
  public static let magic: UInt32 = 0x424A_4357
  /// Protocol version this code speaks.
  public static let version: UInt8 = 1
  /// Joints per robot: left arm 0–6, right arm 7–13.
  public static let jointCount = 14
  /// Grippers per robot: 0 left, 1 right.
  public static let gripperCount = 2
  /// Header size, bytes.
  public static let headerSize = 24
  /// Command datagram size, bytes.
  public static let commandSize = headerSize + jointCount * 5 * 4 + gripperCount * 2 * 4 + 4 + 4
  /// State datagram size, bytes.
  public static let stateSize = headerSize + jointCount * 3 * 4 + gripperCount * 2 * 4 + 10 * 4 + 8 + 4 + 4

  /// Datagram kinds (header byte 5).
  public enum Kind: UInt8, Sendable {
    /// Controller → robot.
    case command = 1
    /// Robot → controller.
    case state = 2
  }

  /// The header every datagram starts with.
  public struct Header: Sendable, Hashable {
    /// Robot index (0 = left side, 1 = right side).
    public var robot: UInt8
    /// Sender's counter, +1 per datagram. A state echoes the tick it reports.
    public var sequence: UInt64
    /// Simulated (or hardware) time of the tick, nanoseconds since Reset / power-on.
    public var timestampNs: UInt64

    /// A header.
    public init(robot: UInt8 = 0, sequence: UInt64 = 0, timestampNs: UInt64 = 0) {
      self.robot = robot
      self.sequence = sequence
      self.timestampNs = timestampNs
    }
  }

  static func writeHeader(_ header: Header, kind: Kind, to p: UnsafeMutableRawPointer) {
    p.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
    p.storeBytes(of: version, toByteOffset: 4, as: UInt8.self)
    p.storeBytes(of: kind.rawValue, toByteOffset: 5, as: UInt8.self)
    p.storeBytes(of: header.robot, toByteOffset: 6, as: UInt8.self)
    p.storeBytes(of: UInt8(jointCount), toByteOffset: 7, as: UInt8.self)
    p.storeBytes(of: header.sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
    p.storeBytes(of: header.timestampNs.littleEndian, toByteOffset: 16, as: UInt64.self)
  }

  static func readHeader(_ bytes: UnsafeRawBufferPointer, kind: Kind, size: Int) throws(JointBusError) -> Header {
    guard bytes.count == size else {
      throw JointBusError(.wrongSize, "A \(kind) datagram has \(size) bytes; this one has \(bytes.count).")
    }
    let p = bytes.baseAddress!
    guard UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == magic else {
      throw JointBusError(.badMagic, "Not a joint-bus datagram (no WCJB magic).")
    }
    let version = p.load(fromByteOffset: 4, as: UInt8.self)
    guard version == JointBus.version else {
      throw JointBusError(.unsupportedVersion, "Joint-bus version \(version); this side speaks \(JointBus.version).")
    }
    let kindByte = p.load(fromByteOffset: 5, as: UInt8.self)
    guard kindByte == kind.rawValue else {
      throw JointBusError(.wrongKind, "Expected a \(kind) datagram (kind \(kind.rawValue)); got kind \(kindByte).")
    }
    let joints = p.load(fromByteOffset: 7, as: UInt8.self)
    guard Int(joints) == jointCount else {
      throw JointBusError(.wrongJointCount, "The bus carries \(jointCount) joints; the datagram says \(joints).")
    }
    let expected = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self))
    let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(size - 4)]))
    guard expected == actual else {
      throw JointBusError(.badChecksum, "CRC-32 mismatch: datagram says \(expected), bytes give \(actual).")
    }
    return Header(
      robot: p.load(fromByteOffset: 6, as: UInt8.self),
      sequence: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
      timestampNs: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
  }

  static func sealChecksum(_ p: UnsafeMutableRawPointer, size: Int) {
    let crc = CRC32.checksum(UnsafeRawBufferPointer(start: p, count: size - 4))
    p.storeBytes(of: crc.littleEndian, toByteOffset: size - 4, as: UInt32.self)
  }

  @inline(__always) static func put(_ value: Double, _ p: UnsafeMutableRawPointer, _ offset: Int) {
    p.storeBytes(of: Float(value).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
  }

  @inline(__always) static func get(_ p: UnsafeRawPointer, _ offset: Int) -> Double {
    Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
  }
}
