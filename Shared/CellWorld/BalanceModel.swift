import RobotDescription

/// A robot's balance: the linear inverted pendulum (LIP) of its centre of mass over the feet,
/// with an ankle strategy that moves the centre of pressure inside the support polygon.
public struct BalanceModel: Sendable, Hashable {
  /// Robot mass, kilograms.
  public var massKg: Double
  /// Mass of each arm, kilograms (moves the CoM as the arm moves).
  public var armMassKg: Double
  /// Height of the CoM above the floor, metres.
  public var comHeightM: Double
  /// Support polygon (both feet), robot frame: x from … to, metres.
  public var supportXM: ClosedRange<Double>
  /// Support polygon, robot frame: y from … to, metres.
  public var supportYM: ClosedRange<Double>
  /// Natural frequency of the ankle controller's CoM regulation, rad/s.
  public var regulationRadPerS: Double
  /// How far the CoM may leave the support polygon before the robot has fallen, metres.
  public var fallDistanceM: Double
  /// Duration of a random push, seconds.
  public var pushDurationS: Double

  /// The humanoid the docs describe (the robot description's body: 60 kg, CoM at 0.9 m, feet
  /// 24 × 30 cm), its ankles regulating at 6 rad/s.
  public static var defaults: BalanceModel {
    let body = RobotLayout.robot.body
    return BalanceModel(
      massKg: body.massKg, armMassKg: body.armMassKg, comHeightM: body.comHeightM, supportXM: body.supportXM,
      supportYM: body.supportYM, regulationRadPerS: 6, fallDistanceM: 0.05, pushDurationS: 0.2)
  }

  /// Pendulum frequency ω = √(g / z_c), rad/s.
  public var omegaRadPerS: Double { (9.81 / comHeightM).squareRoot() }

  /// Signed distance of `point` (robot frame, xy) to the support polygon's edge: positive inside.
  public func margin(x: Double, y: Double) -> Double {
    BodyDescription.supportMarginM(x: x, y: y, supportXM: supportXM, supportYM: supportYM)
  }
}
