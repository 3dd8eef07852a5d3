import Foundation

/// What control executed during a cycle, as its 1 kHz loop sampled itself (`Control/GetTrace`,
/// 50 Hz): the working arm's joints and gripper, measured and commanded.
///
/// On disk the numbers are little-endian float32 arrays in base64 (`"encoding":
/// "float32-le-base64"`, sample-major, `samples` rows): a 10 s cycle's 500 samples × 23 values
/// take ~60 KB and encode in well under a millisecond, where the same as JSON numbers took
/// ~120 KB and most of the episode writer's time. float32 keeps joint angles to ~0.1 µrad.
extension Episode {
  public struct Trace: Codable, Sendable, Equatable {
    /// How the arrays are written.
    public static let encoding = "float32-le-base64"

    /// Time between samples, ms (20 = 50 Hz).
    public var periodMs: Int
    /// The joints, in the order of every sample's joint values.
    public var jointNames: [String]
    /// The gripper the widths are of.
    public var gripperName: String
    /// Seconds since the cycle started, per sample.
    public var timeS: [Float]
    /// Measured joint positions (rad), sample-major: `[sample × joints + joint]`.
    public var positionRad: [Float]
    /// Measured joint velocities (rad/s), sample-major.
    public var velocityRadPerS: [Float]
    /// The position targets the loop sent with each sample's state (rad), sample-major.
    public var commandedPositionRad: [Float]
    /// Measured gripper width per sample (m).
    public var gripperWidthM: [Float]
    /// The gripper width target sent per sample (m).
    public var commandedGripperWidthM: [Float]

    public init(
      periodMs: Int, jointNames: [String], gripperName: String, timeS: [Float], positionRad: [Float],
      velocityRadPerS: [Float], commandedPositionRad: [Float], gripperWidthM: [Float], commandedGripperWidthM: [Float]
    ) {
      self.periodMs = periodMs
      self.jointNames = jointNames
      self.gripperName = gripperName
      self.timeS = timeS
      self.positionRad = positionRad
      self.velocityRadPerS = velocityRadPerS
      self.commandedPositionRad = commandedPositionRad
      self.gripperWidthM = gripperWidthM
      self.commandedGripperWidthM = commandedGripperWidthM
    }

    /// Samples in the trace.
    public var count: Int { timeS.count }

    enum CodingKeys: String, CodingKey {
      case encoding, samples
      case periodMs = "period_ms"
      case jointNames = "joint_names"
      case gripperName = "gripper_name"
      case timeS = "time_s"
      case positionRad = "position_rad"
      case velocityRadPerS = "velocity_rad_per_s"
      case commandedPositionRad = "commanded_position_rad"
      case gripperWidthM = "gripper_width_m"
      case commandedGripperWidthM = "commanded_gripper_width_m"
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(Self.encoding, forKey: .encoding)
      try container.encode(count, forKey: .samples)
      try container.encode(periodMs, forKey: .periodMs)
      try container.encode(jointNames, forKey: .jointNames)
      try container.encode(gripperName, forKey: .gripperName)
      try container.encode(Self.base64(timeS), forKey: .timeS)
      try container.encode(Self.base64(positionRad), forKey: .positionRad)
      try container.encode(Self.base64(velocityRadPerS), forKey: .velocityRadPerS)
      try container.encode(Self.base64(commandedPositionRad), forKey: .commandedPositionRad)
      try container.encode(Self.base64(gripperWidthM), forKey: .gripperWidthM)
      try container.encode(Self.base64(commandedGripperWidthM), forKey: .commandedGripperWidthM)
    }

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      let encoding = try container.decode(String.self, forKey: .encoding)
      guard encoding == Self.encoding else {
        throw DecodingError.dataCorruptedError(
          forKey: .encoding, in: container, debugDescription: "trace encoding '\(encoding)'; this reader knows \(Self.encoding)")
      }
      let samples = try container.decode(Int.self, forKey: .samples)
      periodMs = try container.decode(Int.self, forKey: .periodMs)
      jointNames = try container.decode([String].self, forKey: .jointNames)
      gripperName = try container.decode(String.self, forKey: .gripperName)
      func floats(_ key: CodingKeys, perSample: Int) throws -> [Float] {
        let text = try container.decode(String.self, forKey: key)
        guard let values = Self.floats(base64: text), values.count == samples * perSample else {
          throw DecodingError.dataCorruptedError(
            forKey: key, in: container, debugDescription: "not \(samples) × \(perSample) base64 float32 values")
        }
        return values
      }
      timeS = try floats(.timeS, perSample: 1)
      positionRad = try floats(.positionRad, perSample: jointNames.count)
      velocityRadPerS = try floats(.velocityRadPerS, perSample: jointNames.count)
      commandedPositionRad = try floats(.commandedPositionRad, perSample: jointNames.count)
      gripperWidthM = try floats(.gripperWidthM, perSample: 1)
      commandedGripperWidthM = try floats(.commandedGripperWidthM, perSample: 1)
    }

    static func base64(_ values: [Float]) -> String {
      var bytes = [UInt8]()
      bytes.reserveCapacity(values.count * 4)
      for value in values {
        let bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
      }
      return Data(bytes).base64EncodedString()
    }

    static func floats(base64 text: String) -> [Float]? {
      guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
      return stride(from: 0, to: data.count, by: 4).map { offset in
        let bits = data[data.startIndex + offset..<data.startIndex + offset + 4].enumerated().reduce(UInt32(0)) {
          $0 | UInt32($1.element) << (8 * UInt32($1.offset))
        }
        return Float(bitPattern: bits)
      }
    }
  }
}
