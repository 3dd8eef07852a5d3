import RobotDescription

/// The robot's balance as the controller models it: a linear inverted pendulum of the centre of
/// mass over a rectangular support polygon, the arms' masses moving the CoM as they move. The
/// defaults are the robot description's humanoid (the one CellWorld's `BalanceModel` simulates).
public struct BalanceConfig: Sendable, Hashable {
  /// Robot mass, kilograms.
  public var massKg: Double
  /// Mass of each arm, kilograms.
  public var armMassKg: Double
  /// CoM height above the floor, metres.
  public var comHeightM: Double
  /// Support polygon, robot frame (feet centre origin, x forward): x from … to, metres.
  public var supportXM: ClosedRange<Double>
  /// Support polygon, robot frame: y from … to, metres.
  public var supportYM: ClosedRange<Double>
  /// Arm bases in the robot frame (left, right), metres.
  public var armBaseM: [SIMD3<Double>]
  /// Joint posture at which the torso CoM sits over the feet centre (the arms' reference), radians.
  public var referencePostureRad: [Double]
  /// Below this capture-point margin tracking stops (reason `balance`) and the robot holds, metres.
  public var marginFloorM: Double
  /// Time constant pulling the integrated CoM offset back to the stance (the robot's own ankle
  /// regulation recentres it; the leak bounds IMU drift), seconds.
  public var positionLeakS: Double
  /// Time constant of the integrated CoM velocity's leak, seconds.
  public var velocityLeakS: Double

  /// A configuration from its parts.
  public init(
    massKg: Double, armMassKg: Double, comHeightM: Double, supportXM: ClosedRange<Double>,
    supportYM: ClosedRange<Double>, armBaseM: [SIMD3<Double>], referencePostureRad: [Double], marginFloorM: Double,
    positionLeakS: Double, velocityLeakS: Double
  ) {
    self.massKg = massKg
    self.armMassKg = armMassKg
    self.comHeightM = comHeightM
    self.supportXM = supportXM
    self.supportYM = supportYM
    self.armBaseM = armBaseM
    self.referencePostureRad = referencePostureRad
    self.marginFloorM = marginFloorM
    self.positionLeakS = positionLeakS
    self.velocityLeakS = velocityLeakS
  }

  /// The robot description's humanoid (``RobotDescription/reference``: 60 kg, 4 kg arms, CoM at
  /// 0.9 m, feet 24 × 30 cm, both arms at home as the reference), floor 3 cm.
  public static var defaults: BalanceConfig {
    let robot = RobotDescription.reference
    let body = robot.body
    return BalanceConfig(
      massKg: body.massKg, armMassKg: body.armMassKg, comHeightM: body.comHeightM, supportXM: body.supportXM,
      supportYM: body.supportYM, armBaseM: robot.layout.armBaseInRobotM,
      referencePostureRad: robot.everyArm(robot.arm.homeRad), marginFloorM: 0.03, positionLeakS: 2, velocityLeakS: 2)
  }

  /// Pendulum frequency ω = √(g / z_c), rad/s.
  public var omegaRadPerS: Double { (9.81 / comHeightM).squareRoot() }

  /// Signed distance of a robot-frame point (xy) to the support polygon's edge: positive inside.
  public func marginM(x: Double, y: Double) -> Double {
    BodyDescription.supportMarginM(x: x, y: y, supportXM: supportXM, supportYM: supportYM)
  }
}
