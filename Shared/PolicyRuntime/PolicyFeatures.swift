#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import RobotDescription

/// The feature encoding "wc-features-2": an observation as 41 floats, in raw units (the model
/// normalises them with its stored mean and standard deviation).
///
/// | index | feature |
/// |---|---|
/// | 0–6 | arm joint positions, rad |
/// | 7 | gripper width, m |
/// | 8–10 | nut position in the torso frame, m |
/// | 11, 12 | sin(12 ψ), cos(12 ψ): nut yaw ψ modulo the 30° tooth pitch, as an angle |
/// | 13 | spline phase / 15° |
/// | 14, 15 | sin, cos of spline phase × 12 (one turn per tooth pitch) |
/// | 16, 17 | holding, seated (0/1) |
/// | 18–28 | cycle step one-hot, steps 1…11 (unspecified = all zero) |
/// | 29–31 | nut position − TCP position, torso frame, m (where the nut is from the fingers) |
/// | 32–34 | tanh((nut − TCP) / 10 mm) per axis: the same, magnified near zero |
/// | 35–37 | nut position − pin seat, torso frame, m (where the nut is from where it goes) |
/// | 38–40 | tanh((nut − pin seat) / 10 mm) per axis: the same, magnified near zero |
///
/// The magnified features exist because normalisation divides the raw ones by their spread over
/// a whole cycle (~0.2 m): the last millimetres before a grasp or an insertion (the pick takes
/// ±4 mm, the pin ±1.5 mm) would otherwise be invisible to the network.
public enum PolicyFeatures {
  /// Name of this encoding, stored in model files as `feature_version`.
  public static let version = "wc-features-2"
  /// Arm joints in the encoding (the robot description's arm has as many).
  public static let armJointCount = 7
  /// The joints the features observe, in encoding order: the robot description's working arm
  /// (`right_arm_joint_1` … `right_arm_joint_7`).
  public static let armJointNames = RobotDescription.reference.workingArmJointNames
  /// The gripper the features observe: the working arm's (`right_gripper`).
  public static let gripperName = RobotDescription.reference.workingGripperName
  /// Floats per observation.
  public static let count = 41
  /// Length scale of the magnified features, metres.
  static let fineScaleM = 0.010
  /// Teeth of the nut's spline: yaw repeats every 360° / 12.
  static let splineTeeth = 12.0

  /// Writes `observation`'s features into `row[0..<count]`. Missing joints read as 0.
  public static func encode(_ observation: PolicyObservation, into row: UnsafeMutableBufferPointer<Float>) {
    precondition(row.count >= count, "feature row too short")
    for j in 0..<armJointCount {
      row[j] = j < observation.armJointPositionsRad.count ? Float(observation.armJointPositionsRad[j]) : 0
    }
    row[7] = Float(observation.gripperWidthM)
    row[8] = Float(observation.nutPositionInTorsoM.x)
    row[9] = Float(observation.nutPositionInTorsoM.y)
    row[10] = Float(observation.nutPositionInTorsoM.z)
    let yaw = splineTeeth * observation.nutYawRad
    row[11] = Float(sin(yaw))
    row[12] = Float(cos(yaw))
    let phaseDeg = observation.splinePhaseDeg.isFinite ? observation.splinePhaseDeg : 0
    row[13] = Float(phaseDeg / 15)
    let phase = phaseDeg * splineTeeth * .pi / 180
    row[14] = Float(sin(phase))
    row[15] = Float(cos(phase))
    row[16] = observation.holding ? 1 : 0
    row[17] = observation.seated ? 1 : 0
    for s in 0..<11 { row[18 + s] = 0 }
    if observation.cycleStep != .unspecified { row[17 + observation.cycleStep.rawValue] = 1 }
    let fromTcp = observation.nutPositionInTorsoM - observation.tcpPositionInTorsoM
    row[29] = Float(fromTcp.x)
    row[30] = Float(fromTcp.y)
    row[31] = Float(fromTcp.z)
    row[32] = Float(tanh(fromTcp.x / fineScaleM))
    row[33] = Float(tanh(fromTcp.y / fineScaleM))
    row[34] = Float(tanh(fromTcp.z / fineScaleM))
    let fromPin = observation.nutPositionInTorsoM - observation.pinSeatInTorsoM
    row[35] = Float(fromPin.x)
    row[36] = Float(fromPin.y)
    row[37] = Float(fromPin.z)
    row[38] = Float(tanh(fromPin.x / fineScaleM))
    row[39] = Float(tanh(fromPin.y / fineScaleM))
    row[40] = Float(tanh(fromPin.z / fineScaleM))
  }

  /// The features of a batch of observations, one row each.
  public static func matrix(_ observations: [PolicyObservation]) -> Matrix {
    PolicyFeatureVersion.v2.matrix(observations)
  }
}
