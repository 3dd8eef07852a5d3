/// Controller → robot, one per tick: per joint a position target, velocity target, feed-forward
/// torque and the PD gains the drive applies (τ = kp (q* − q) + kd (q̇* − q̇) + τ_ff); per
/// gripper a target opening and force. Allocate once and reuse.
public struct JointBusCommand: Sendable, Hashable {
  /// Robot, sequence, timestamp.
  public var header = JointBus.Header()
  /// Target position per joint, radians.
  public var positionRad = [Double](repeating: 0, count: JointBus.jointCount)
  /// Target velocity per joint, rad/s.
  public var velocityRadPerS = [Double](repeating: 0, count: JointBus.jointCount)
  /// Feed-forward torque per joint, N·m.
  public var torqueNm = [Double](repeating: 0, count: JointBus.jointCount)
  /// Position gain per joint, N·m/rad.
  public var kp = [Double](repeating: 0, count: JointBus.jointCount)
  /// Velocity gain per joint, N·m·s/rad.
  public var kd = [Double](repeating: 0, count: JointBus.jointCount)
  /// Target opening per gripper, metres.
  public var gripperWidthM = [Double](repeating: 0, count: JointBus.gripperCount)
  /// Grip force per gripper, newtons.
  public var gripperForceN = [Double](repeating: 0, count: JointBus.gripperCount)
  /// Bit 0: hold (ignore the targets and keep the last command). Other bits reserved, zero.
  public var flags: UInt32 = 0

  /// A zero command.
  public init() {}

  /// Writes the datagram (``JointBus/commandSize`` bytes) into `buffer`.
  public func encode(into buffer: UnsafeMutableRawBufferPointer) {
    precondition(buffer.count >= JointBus.commandSize)
    let p = buffer.baseAddress!
    JointBus.writeHeader(header, kind: .command, to: p)
    var offset = JointBus.headerSize
    for j in 0..<JointBus.jointCount {
      JointBus.put(positionRad[j], p, offset)
      JointBus.put(velocityRadPerS[j], p, offset + 4)
      JointBus.put(torqueNm[j], p, offset + 8)
      JointBus.put(kp[j], p, offset + 12)
      JointBus.put(kd[j], p, offset + 16)
      offset += 20
    }
    for g in 0..<JointBus.gripperCount {
      JointBus.put(gripperWidthM[g], p, offset)
      JointBus.put(gripperForceN[g], p, offset + 4)
      offset += 8
    }
    p.storeBytes(of: flags.littleEndian, toByteOffset: offset, as: UInt32.self)
    JointBus.sealChecksum(p, size: JointBus.commandSize)
  }

  /// The datagram as bytes.
  public func encoded() -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: JointBus.commandSize)
    bytes.withUnsafeMutableBytes { encode(into: $0) }
    return bytes
  }

  /// Reads a datagram into `self`; on error `self` is unchanged.
  public mutating func decode(_ bytes: UnsafeRawBufferPointer) throws(JointBusError) {
    let header = try JointBus.readHeader(bytes, kind: .command, size: JointBus.commandSize)
    let p = UnsafeRawPointer(bytes.baseAddress!)
    self.header = header
    var offset = JointBus.headerSize
    for j in 0..<JointBus.jointCount {
      positionRad[j] = JointBus.get(p, offset)
      velocityRadPerS[j] = JointBus.get(p, offset + 4)
      torqueNm[j] = JointBus.get(p, offset + 8)
      kp[j] = JointBus.get(p, offset + 12)
      kd[j] = JointBus.get(p, offset + 16)
      offset += 20
    }
    for g in 0..<JointBus.gripperCount {
      gripperWidthM[g] = JointBus.get(p, offset)
      gripperForceN[g] = JointBus.get(p, offset + 4)
      offset += 8
    }
    flags = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  /// Reads a datagram into `self`.
  public mutating func decode(_ bytes: [UInt8]) throws(JointBusError) {
    let outcome: Result<Void, JointBusError> = bytes.withUnsafeBytes { raw in
      do throws(JointBusError) {
        try decode(raw)
        return .success(())
      } catch {
        return .failure(error)
      }
    }
    try outcome.get()
  }
}
