/// Robot → controller, one per tick: what the joints, grippers and torso IMU measure after the
/// tick, and which command the robot last applied. Allocate once and reuse.
public struct JointBusState: Sendable, Hashable {
  /// Robot, tick sequence, timestamp.
  public var header = JointBus.Header()
  /// Encoder position per joint, radians.
  public var positionRad = [Double](repeating: 0, count: JointBus.jointCount)
  /// Velocity per joint, rad/s.
  public var velocityRadPerS = [Double](repeating: 0, count: JointBus.jointCount)
  /// Measured torque per joint, N·m.
  public var torqueNm = [Double](repeating: 0, count: JointBus.jointCount)
  /// Opening per gripper, metres.
  public var gripperWidthM = [Double](repeating: 0, count: JointBus.gripperCount)
  /// Grip force per gripper, newtons.
  public var gripperForceN = [Double](repeating: 0, count: JointBus.gripperCount)
  /// IMU specific force (gravity included), IMU frame, m/s²: x, y, z.
  public var imuSpecificForceMPerS2: (x: Double, y: Double, z: Double) = (0, 0, 0)
  /// IMU angular rate, IMU frame, rad/s: x, y, z.
  public var imuAngularRateRadPerS: (x: Double, y: Double, z: Double) = (0, 0, 0)
  /// IMU orientation in the world: w, x, y, z.
  public var imuOrientation: (w: Double, x: Double, y: Double, z: Double) = (1, 0, 0, 0)
  /// Sequence of the last command the robot applied (0 = none yet).
  public var appliedCommandSequence: UInt64 = 0
  /// Bit 0: fallen. Bit 1: no fresh command this tick (the last one held). Others reserved.
  public var status: UInt32 = 0

  /// An empty state.
  public init() {}

  public static func == (a: JointBusState, b: JointBusState) -> Bool {
    a.header == b.header && a.positionRad == b.positionRad && a.velocityRadPerS == b.velocityRadPerS
      && a.torqueNm == b.torqueNm && a.gripperWidthM == b.gripperWidthM && a.gripperForceN == b.gripperForceN
      && a.imuSpecificForceMPerS2 == b.imuSpecificForceMPerS2 && a.imuAngularRateRadPerS == b.imuAngularRateRadPerS
      && a.imuOrientation == b.imuOrientation && a.appliedCommandSequence == b.appliedCommandSequence
      && a.status == b.status
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(header)
    hasher.combine(positionRad)
    hasher.combine(appliedCommandSequence)
  }

  /// Writes the datagram (``JointBus/stateSize`` bytes) into `buffer`.
  public func encode(into buffer: UnsafeMutableRawBufferPointer) {
    precondition(buffer.count >= JointBus.stateSize)
    let p = buffer.baseAddress!
    JointBus.writeHeader(header, kind: .state, to: p)
    var offset = JointBus.headerSize
    for j in 0..<JointBus.jointCount {
      JointBus.put(positionRad[j], p, offset)
      JointBus.put(velocityRadPerS[j], p, offset + 4)
      JointBus.put(torqueNm[j], p, offset + 8)
      offset += 12
    }
    for g in 0..<JointBus.gripperCount {
      JointBus.put(gripperWidthM[g], p, offset)
      JointBus.put(gripperForceN[g], p, offset + 4)
      offset += 8
    }
    // Value by value: an array literal here would allocate per datagram (a tick's work).
    JointBus.put(imuSpecificForceMPerS2.x, p, offset)
    JointBus.put(imuSpecificForceMPerS2.y, p, offset + 4)
    JointBus.put(imuSpecificForceMPerS2.z, p, offset + 8)
    JointBus.put(imuAngularRateRadPerS.x, p, offset + 12)
    JointBus.put(imuAngularRateRadPerS.y, p, offset + 16)
    JointBus.put(imuAngularRateRadPerS.z, p, offset + 20)
    JointBus.put(imuOrientation.w, p, offset + 24)
    JointBus.put(imuOrientation.x, p, offset + 28)
    JointBus.put(imuOrientation.y, p, offset + 32)
    JointBus.put(imuOrientation.z, p, offset + 36)
    offset += 40
    p.storeBytes(of: appliedCommandSequence.littleEndian, toByteOffset: offset, as: UInt64.self)
    p.storeBytes(of: status.littleEndian, toByteOffset: offset + 8, as: UInt32.self)
    JointBus.sealChecksum(p, size: JointBus.stateSize)
  }

  /// The datagram as bytes.
  public func encoded() -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: JointBus.stateSize)
    bytes.withUnsafeMutableBytes { encode(into: $0) }
    return bytes
  }

  /// Reads a datagram into `self`; on error `self` is unchanged.
  public mutating func decode(_ bytes: UnsafeRawBufferPointer) throws(JointBusError) {
    let header = try JointBus.readHeader(bytes, kind: .state, size: JointBus.stateSize)
    let p = UnsafeRawPointer(bytes.baseAddress!)
    self.header = header
    var offset = JointBus.headerSize
    for j in 0..<JointBus.jointCount {
      positionRad[j] = JointBus.get(p, offset)
      velocityRadPerS[j] = JointBus.get(p, offset + 4)
      torqueNm[j] = JointBus.get(p, offset + 8)
      offset += 12
    }
    for g in 0..<JointBus.gripperCount {
      gripperWidthM[g] = JointBus.get(p, offset)
      gripperForceN[g] = JointBus.get(p, offset + 4)
      offset += 8
    }
    // Explicit offsets: a nested function capturing `offset` boxes it (an allocation per
    // datagram in an unoptimised build; control decodes one per tick).
    imuSpecificForceMPerS2 = (JointBus.get(p, offset), JointBus.get(p, offset + 4), JointBus.get(p, offset + 8))
    imuAngularRateRadPerS = (JointBus.get(p, offset + 12), JointBus.get(p, offset + 16), JointBus.get(p, offset + 20))
    imuOrientation = (
      JointBus.get(p, offset + 24), JointBus.get(p, offset + 28), JointBus.get(p, offset + 32), JointBus.get(p, offset + 36)
    )
    offset += 40
    appliedCommandSequence = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    status = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
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
