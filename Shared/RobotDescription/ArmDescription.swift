/// One arm: its kinematic chain and tool frame, and per joint (joint 1 first) its limits, its
/// drive's model and hold gains, and its home.
public struct ArmDescription: Sendable, Hashable {
  /// The chain from the arm's base to the tool centre point.
  public var chain: DenavitHartenbergChain
  /// Lower position limit per joint, radians.
  public var positionMinRad: [Double]
  /// Upper position limit per joint, radians.
  public var positionMaxRad: [Double]
  /// Speed limit per joint, rad/s.
  public var velocityMaxRadPerS: [Double]
  /// Acceleration limit per joint, rad/s².
  public var accelerationMaxRadPerS2: [Double]
  /// Torque limit per joint, N·m.
  public var torqueMaxNm: [Double]
  /// Effective (reflected) inertia per joint, kg·m².
  public var inertiaKgM2: [Double]
  /// Viscous friction per joint, N·m·s/rad.
  public var dampingNmSPerRad: [Double]
  /// Position gain the drive holds with before its first command, N·m/rad.
  public var holdKpNmPerRad: [Double]
  /// Velocity gain the drive holds with before its first command, N·m·s/rad.
  public var holdKdNmSPerRad: [Double]
  /// The home posture (tool pointing down), radians.
  public var homeRad: [Double]
  /// Encoder resolution, radians per count.
  public var encoderStepRad: Double

  /// An arm from its parts; every per-joint array has one entry per joint of `chain`.
  public init(
    chain: DenavitHartenbergChain, positionMinRad: [Double], positionMaxRad: [Double], velocityMaxRadPerS: [Double],
    accelerationMaxRadPerS2: [Double], torqueMaxNm: [Double], inertiaKgM2: [Double], dampingNmSPerRad: [Double],
    holdKpNmPerRad: [Double], holdKdNmSPerRad: [Double], homeRad: [Double], encoderStepRad: Double
  ) {
    self.chain = chain
    self.positionMinRad = positionMinRad
    self.positionMaxRad = positionMaxRad
    self.velocityMaxRadPerS = velocityMaxRadPerS
    self.accelerationMaxRadPerS2 = accelerationMaxRadPerS2
    self.torqueMaxNm = torqueMaxNm
    self.inertiaKgM2 = inertiaKgM2
    self.dampingNmSPerRad = dampingNmSPerRad
    self.holdKpNmPerRad = holdKpNmPerRad
    self.holdKdNmSPerRad = holdKdNmSPerRad
    self.homeRad = homeRad
    self.encoderStepRad = encoderStepRad
  }
}
