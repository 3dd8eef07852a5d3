/// What one robot knows at one instant, in plain Swift types: the policy's input (the service
/// fills it from `workcell.policy.v1.Observation` and its `StateEstimate`).
public struct PolicyObservation: Sendable, Hashable {
  /// The caller's counter, echoed in the chunk.
  public var sequence: UInt64
  /// When the joints were sampled, seconds on the caller's clock (Unix time in the service,
  /// simulated time in the world); step 0 of the chunk is due then.
  public var observedAtS: Double
  /// Measured positions of the working arm's 7 joints, radians, in the model's joint order.
  public var armJointPositionsRad: [Double]
  /// Measured opening of the working gripper, metres.
  public var gripperWidthM: Double
  /// Nut centre in the torso frame (the robot frame moved with the torso's sway), metres.
  public var nutPositionInTorsoM: SIMD3<Double>
  /// Tool centre point (between the fingertips) in the torso frame, metres: forward kinematics
  /// of the measured joints, which control computes anyway.
  public var tcpPositionInTorsoM: SIMD3<Double>
  /// Seat of the fixture's positioning pin in the torso frame, metres: where the nut goes (the
  /// cell layout, moved with the torso's sway like the nut).
  public var pinSeatInTorsoM: SIMD3<Double>
  /// Nut yaw (direction of one tooth centre) about the vertical, radians.
  public var nutYawRad: Double
  /// Spline phase against the pin, degrees in [−15, 15) (perception's convention).
  public var splinePhaseDeg: Double
  /// Touch says a nut is between the fingers.
  public var holding: Bool
  /// Touch says the nut sits flat and centred.
  public var seated: Bool
  /// The cycle step being executed.
  public var cycleStep: PolicyCycleStep
  /// Measured velocities of the working arm's 7 joints, rad/s, in the model's joint order; empty
  /// when the caller did not give them. Feature version `wc-features-3` reads them, as does the
  /// planner (it continues the arm's motion).
  public var armJointVelocitiesRadPerS: [Double]
  /// Where the chunk the robot was given last has its reference at `observedAtS` (nil: none, or
  /// the observation is past it). Set with ``following(_:)``; feature version `wc-features-3`
  /// reads it, `wc-features-2` does not.
  public var tracked: TrackedReference?

  /// An observation from its parts.
  public init(
    sequence: UInt64, observedAtS: Double, armJointPositionsRad: [Double], gripperWidthM: Double,
    nutPositionInTorsoM: SIMD3<Double>, tcpPositionInTorsoM: SIMD3<Double>,
    pinSeatInTorsoM: SIMD3<Double>, nutYawRad: Double, splinePhaseDeg: Double, holding: Bool, seated: Bool,
    cycleStep: PolicyCycleStep, armJointVelocitiesRadPerS: [Double] = [], tracked: TrackedReference? = nil
  ) {
    self.tracked = tracked
    self.armJointVelocitiesRadPerS = armJointVelocitiesRadPerS
    self.sequence = sequence
    self.observedAtS = observedAtS
    self.armJointPositionsRad = armJointPositionsRad
    self.gripperWidthM = gripperWidthM
    self.nutPositionInTorsoM = nutPositionInTorsoM
    self.tcpPositionInTorsoM = tcpPositionInTorsoM
    self.pinSeatInTorsoM = pinSeatInTorsoM
    self.nutYawRad = nutYawRad
    self.splinePhaseDeg = splinePhaseDeg
    self.holding = holding
    self.seated = seated
    self.cycleStep = cycleStep
  }
}
