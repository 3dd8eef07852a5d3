import RobotDescription

extension WholeBodyController {
  /// Everything that shapes the controller.
  public struct Config: Sendable {
    /// Joint limits (also the joint names chunks use).
    public var limits: JointLimits
    /// Drive gains and the feed-forward joint model.
    public var gains: JointGains
    /// Balance model and margin floor.
    public var balance: BalanceConfig
    /// Loop period, nanoseconds (the limiter's time step).
    public var periodNanoseconds: UInt64
    /// No joint-bus state for longer than this → fault, nanoseconds.
    public var busTimeoutNanoseconds: UInt64
    /// A category 1 or 2 stop must reach standstill within this, else power is removed, nanoseconds.
    public var controlledStopBoundNanoseconds: UInt64
    /// The stop the controller performs when the safety chain opens.
    public var safetyStopCategory: StopCategory
    /// Every joint slower than this (measured) counts as standstill, rad/s.
    public var standstillVelocityRadPerS: Double
    /// A new chunk takes over through an offset (command in force minus chunk, in position and
    /// velocity) that decays to zero over this time, nanoseconds.
    public var blendNanoseconds: UInt64
    /// The home posture, radians (bus order).
    public var homeRad: [Double]
    /// Homing moves at this fraction of the speed and acceleration limits.
    public var homingSpeedFraction: Double
    /// Homing is done when every joint is this close to home, radians.
    public var homeToleranceRad: Double

    /// A configuration from its parts.
    public init(
      limits: JointLimits, gains: JointGains, balance: BalanceConfig, periodNanoseconds: UInt64,
      busTimeoutNanoseconds: UInt64, controlledStopBoundNanoseconds: UInt64, safetyStopCategory: StopCategory,
      standstillVelocityRadPerS: Double, blendNanoseconds: UInt64, homeRad: [Double],
      homingSpeedFraction: Double, homeToleranceRad: Double
    ) {
      self.limits = limits
      self.gains = gains
      self.balance = balance
      self.periodNanoseconds = periodNanoseconds
      self.busTimeoutNanoseconds = busTimeoutNanoseconds
      self.controlledStopBoundNanoseconds = controlledStopBoundNanoseconds
      self.safetyStopCategory = safetyStopCategory
      self.standstillVelocityRadPerS = standstillVelocityRadPerS
      self.blendNanoseconds = blendNanoseconds
      self.homeRad = homeRad
      self.homingSpeedFraction = homingSpeedFraction
      self.homeToleranceRad = homeToleranceRad
    }

    /// 1 kHz, the simulated cell's robot, 50 ms bus timeout (above lock-step cell-sim's 20 ms wait), 500 ms controlled-stop bound,
    /// category 1 on e-stop, 100 ms blend, homing at half speed.
    public static var defaults: Config {
      let robot = RobotDescription.reference
      return Config(
        limits: .defaults, gains: .defaults, balance: .defaults, periodNanoseconds: 1_000_000,
        busTimeoutNanoseconds: 50_000_000, controlledStopBoundNanoseconds: 500_000_000,
        safetyStopCategory: .category1, standstillVelocityRadPerS: 0.01, blendNanoseconds: 100_000_000,
        homeRad: robot.everyArm(robot.arm.homeRad), homingSpeedFraction: 0.5, homeToleranceRad: 0.01)
    }
  }
}
