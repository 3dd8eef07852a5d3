#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import RobotHardware

/// Estimates the CoM and the capture-point margin from the robot's state interfaces: the torso IMU
/// (orientation and specific force give the horizontal CoM acceleration, integrated with a leak)
/// plus the arms' CoM shift from the joint positions (forward kinematics). Pure; no allocation
/// per update.
public struct BalanceEstimator: Sendable {
  /// The model.
  public let config: BalanceConfig
  /// The latest estimate.
  public private(set) var estimate: BalanceEstimate
  private let chain = ArmChain()
  private let referenceCentroidM: [SIMD3<Double>]
  private var torsoX = 0.0, torsoY = 0.0, torsoVX = 0.0, torsoVY = 0.0
  private var lastTimestampNanoseconds: UInt64?

  /// An estimator standing still at the reference posture.
  public init(config: BalanceConfig = .defaults) {
    self.config = config
    let chain = ArmChain()
    referenceCentroidM = (0..<2).map { chain.centroidM(config.referencePostureRad, first: $0 * 7) }
    estimate = BalanceEstimate(marginM: config.marginM(x: 0, y: 0))
  }

  /// Folds in one state (its measurement time gives the step).
  public mutating func update(_ state: JointStateInterfaces) {
    let now = state.measuredAtNanoseconds
    let dt = lastTimestampNanoseconds.map { now > $0 ? min(Double(now - $0) / 1e9, 0.01) : 0 } ?? 0
    lastTimestampNanoseconds = now

    // Horizontal acceleration in the world: R f − g (the robot's base does not turn).
    let o = state.imuOrientation
    let f = SIMD3(state.imuSpecificForceMPerS2.x, state.imuSpecificForceMPerS2.y, state.imuSpecificForceMPerS2.z)
    let u = SIMD3(o.x, o.y, o.z)
    let t = 2 * cross(u, f)
    let world = f + o.w * t + cross(u, t)
    var shift = SIMD3<Double>.zero
    for arm in 0..<2 {
      shift +=
        (chain.centroidM(state.positionRad, first: arm * 7) - referenceCentroidM[arm])
        * (config.armMassKg / config.massKg)
    }
    // The leaks bound the double integral's drift. The ankles recentre the whole CoM (torso plus
    // arms) over the feet, so the torso's offset leaks toward −shift — the stance it settles at
    // with the arms where they are — not toward zero (that read an arm held out for 10 s as the
    // CoM sitting the arm's shift off centre).
    torsoVX += (world.x - torsoVX / config.velocityLeakS) * dt
    torsoVY += (world.y - torsoVY / config.velocityLeakS) * dt
    torsoX += (torsoVX - (torsoX + shift.x) / config.positionLeakS) * dt
    torsoY += (torsoVY - (torsoY + shift.y) / config.positionLeakS) * dt
    let x = torsoX + shift.x
    let y = torsoY + shift.y
    let omega = config.omegaRadPerS
    estimate.comM = SIMD3(x, y, config.comHeightM)
    estimate.comVelocityMPerS = SIMD3(torsoVX, torsoVY, 0)
    estimate.capturePointM = SIMD3(x + torsoVX / omega, y + torsoVY / omega, 0)
    estimate.marginM = config.marginM(x: estimate.capturePointM.x, y: estimate.capturePointM.y)
    // Lean: the IMU's z axis in the world.
    let zWorld = SIMD3(2 * (o.x * o.z + o.w * o.y), 2 * (o.y * o.z - o.w * o.x), 1 - 2 * (o.x * o.x + o.y * o.y))
    estimate.pitchRad = atan2(zWorld.x, zWorld.z)
    estimate.rollRad = atan2(-zWorld.y, zWorld.z)
  }

  @inline(__always) private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
  }
}
