import JointBus
import Testing

@Suite("Joint-bus datagrams")
struct JointBusCodecTests {
  @Test("CRC-32 check value")
  func crcCheckValue() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
  }

  @Test("sizes are the documented ones")
  func sizes() {
    #expect(JointBus.commandSize == 328)
    #expect(JointBus.stateSize == 264)
  }

  func sampleCommand() -> JointBusCommand {
    var command = JointBusCommand()
    command.header = .init(robot: 1, sequence: 0x0102_0304_0506_0708, timestampNs: 1_500_000)
    for j in 0..<JointBus.jointCount {
      command.positionRad[j] = Double(j) * 0.25 - 1.5
      command.velocityRadPerS[j] = -Double(j) * 0.125
      command.torqueNm[j] = Double(j) * 0.5
      command.kp[j] = 600
      command.kd[j] = 40
    }
    command.gripperWidthM = [0.0625, 0.0]  // exact in float32: the wire carries float32
    command.gripperForceN = [20, 35]
    command.flags = 1
    return command
  }

  @Test("a command round-trips, with the header laid out byte by byte")
  func commandRoundTrip() throws {
    let command = sampleCommand()
    let bytes = command.encoded()
    #expect(bytes.count == JointBus.commandSize)
    #expect(Array(bytes[0..<8]) == [0x57, 0x43, 0x4A, 0x42, 1, 1, 1, 14])
    #expect(Array(bytes[8..<16]) == [8, 7, 6, 5, 4, 3, 2, 1])
    #expect(Array(bytes[16..<24]) == [0x60, 0xE3, 0x16, 0, 0, 0, 0, 0])
    // Joint 0's position −1.5 as an IEEE-754 float, little-endian.
    #expect(Array(bytes[24..<28]) == [0x00, 0x00, 0xC0, 0xBF])
    let crc = UInt32(bytes[324]) | UInt32(bytes[325]) << 8 | UInt32(bytes[326]) << 16 | UInt32(bytes[327]) << 24
    #expect(crc == CRC32.checksum(Array(bytes[0..<324])))
    var decoded = JointBusCommand()
    try decoded.decode(bytes)
    #expect(decoded == command)
  }

  @Test("a state round-trips")
  func stateRoundTrip() throws {
    var state = JointBusState()
    state.header = .init(robot: 0, sequence: 42, timestampNs: 42_000_000)
    for j in 0..<JointBus.jointCount {
      state.positionRad[j] = Double(j) * 0.125
      state.velocityRadPerS[j] = 0.5
      state.torqueNm[j] = -2.25
    }
    state.gripperWidthM = [0.03125, 0.0625]
    state.gripperForceN = [20, 0]
    state.imuSpecificForceMPerS2 = (0.25, -0.5, 9.8125)
    state.imuAngularRateRadPerS = (0.0625, 0, -0.0625)
    state.imuOrientation = (1, 0, 0, 0)
    state.appliedCommandSequence = 41
    state.status = 2
    let bytes = state.encoded()
    #expect(bytes.count == JointBus.stateSize)
    #expect(bytes[5] == 2)
    var decoded = JointBusState()
    try decoded.decode(bytes)
    #expect(decoded == state)
  }

  @Test("bad datagrams are refused with the right code and leave the value unchanged")
  func badDatagrams() {
    let good = sampleCommand().encoded()
    func code(_ bytes: [UInt8]) -> JointBusError.Code? {
      var command = JointBusCommand()
      do {
        try command.decode(bytes)
        return nil
      } catch {
        #expect(command == JointBusCommand())
        return error.code
      }
    }
    #expect(code(Array(good.dropLast())) == .wrongSize)
    #expect(code(good + [0]) == .wrongSize)
    var bad = good
    bad[0] = 0x58
    #expect(code(bad) == .badMagic)
    bad = good
    bad[4] = 2
    #expect(code(bad) == .unsupportedVersion)
    bad = good
    bad[5] = 2
    #expect(code(bad) == .wrongKind)
    bad = good
    bad[7] = 7
    #expect(code(bad) == .wrongJointCount)
    for index in [8, 30, 200, 323, 327] {
      bad = good
      bad[index] ^= 0x10
      #expect(code(bad) == .badChecksum)
    }
    var state = JointBusState()
    #expect(throws: JointBusError.self) { try state.decode(good) }
  }
}
