import RobotHardware

/// The default balance correction: a hip-style strategy through the arms (the joint bus carries
/// no leg joints; the robot's ankles run their own CoP regulation). When the capture-point margin
/// falls below `activationMarginM`, both arms swing against the capture point's excursion —
/// shoulder pitch (joints 2 and 9) for x, base yaw (joints 1 and 8) for y — moving the CoM back
/// over the feet; zero otherwise, so it never disturbs a task in calm conditions.
public struct AnalyticBalanceCorrection: BalanceCorrection {
  /// Below this margin the correction acts, fading in linearly to full at the floor, metres.
  public var activationMarginM: Double
  /// The margin at which the correction is at full strength, metres.
  public var fullMarginM: Double
  /// Offset per metre of capture-point excursion, rad/m.
  public var gainRadPerM: Double
  /// Largest offset, radians.
  public var maxOffsetRad: Double

  /// A correction; the defaults act from 6 cm of margin, fully at 3 cm, up to 0.3 rad.
  public init(
    activationMarginM: Double = 0.06, fullMarginM: Double = 0.03, gainRadPerM: Double = 4, maxOffsetRad: Double = 0.3
  ) {
    self.activationMarginM = activationMarginM
    self.fullMarginM = fullMarginM
    self.gainRadPerM = gainRadPerM
    self.maxOffsetRad = maxOffsetRad
  }

  /// Shoulder offsets against the capture point when the margin is low; nothing otherwise.
  public func correct(estimate: BalanceEstimate, state: JointStateInterfaces, offsetsRad: inout [Double]) {
    guard estimate.marginM < activationMarginM, offsetsRad.count >= 14 else { return }
    let strength = min((activationMarginM - estimate.marginM) / max(activationMarginM - fullMarginM, 1e-6), 1)
    let pitch = min(max(-gainRadPerM * estimate.capturePointM.x * strength, -maxOffsetRad), maxOffsetRad)
    let yaw = min(max(-gainRadPerM * estimate.capturePointM.y * strength, -maxOffsetRad), maxOffsetRad)
    offsetsRad[1] = pitch
    offsetsRad[8] = pitch
    offsetsRad[0] = yaw
    offsetsRad[7] = yaw
  }
}
