/// Everything that shapes a world at Reset. Every number is documented in docs/simulation.md.
public struct CellWorldConfig: Sendable, Hashable {
  /// Robots in the cell, 1 (left side only) or 2.
  public var robotCount: Int
  /// Camera frame rate, Hz (every camera).
  public var cameraHz: Double
  /// Tactile frame rate, Hz (every finger).
  public var tactileHz: Double
  /// IMU sample rate, Hz.
  public var imuHz: Double
  /// Steps between a joint command's arrival and its effect on the motors (1 step = 1 ms).
  public var actuationDelaySteps: Int
  /// Probability per opportunity of each world failure mode (docs/simulation.md: what an
  /// opportunity is for each); kinds not present use `WorldFault.defaultRate`.
  public var failureRates: [WorldFault: Double]
  /// The nut, the pin and their failure models.
  public var nut: NutModel
  /// Arm kinematics (every arm).
  public var arm: ArmKinematics
  /// Balance model of each robot.
  public var balance: BalanceModel

  /// The configuration the docs describe.
  public static var defaults: CellWorldConfig {
    CellWorldConfig(
      robotCount: 2, cameraHz: 10, tactileHz: 100, imuHz: 200, actuationDelaySteps: 2, failureRates: [:],
      nut: .defaults, arm: .defaults, balance: .defaults)
  }

  /// The rate of `kind` in force.
  public func rate(_ kind: WorldFault) -> Double { failureRates[kind] ?? kind.defaultRate }

  /// A configuration with every world failure rate at zero (tests, the expert's upper bound): no
  /// residual draws; the causes of `NutModel+Causes` still act on the state the robot produces.
  public static var withoutFailures: CellWorldConfig {
    var config = CellWorldConfig.defaults
    for kind in WorldFault.allCases { config.failureRates[kind] = 0 }
    return config
  }
}
