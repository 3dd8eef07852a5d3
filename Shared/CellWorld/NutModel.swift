/// The self-tapping nut, the positioning pin and the physics of their failure modes.
public struct NutModel: Sendable, Hashable {
  /// Teeth of the inner spline (and of the pin).
  public var splineTeeth: Int
  /// Outer radius of the nut, metres.
  public var outerRadiusM: Double
  /// Radius of the spline's tooth tips (minor), metres.
  public var splineMinorRadiusM: Double
  /// Radius of the spline's tooth roots (major), metres.
  public var splineMajorRadiusM: Double
  /// Height of the nut, metres.
  public var heightM: Double
  /// Mass of the nut, kilograms.
  public var massKg: Double
  /// Phase error within which the pin's chamfer turns the nut onto the spline, degrees (±).
  public var captureWindowDeg: Double
  /// Lateral offset within which the pin's lead-in centres the nut, metres.
  public var lateralCaptureM: Double
  /// Length of the pin above its seat, metres.
  public var pinLengthM: Double
  /// Nominal lateral pull of the pin's magnet at contact, newtons.
  public var magneticPullN: Double
  /// Decay length of the magnetic pull with distance, metres.
  public var magneticDecayM: Double
  /// Friction coefficient range of a nominal grasp.
  public var frictionRange: ClosedRange<Double>
  /// Friction coefficient range of a grasp hit by grip variation.
  public var lowFrictionRange: ClosedRange<Double>
  /// Standard deviation of a nominal grasp's lateral offset, metres.
  public var gripOffsetSigmaM: Double
  /// Standard deviation of a nominal grasp's yaw offset, degrees.
  public var gripYawSigmaDeg: Double
  /// Yaw offset range of a grasp hit by grip variation, degrees (either sign).
  public var variationYawRangeDeg: ClosedRange<Double>
  /// Speed at which a slipping nut moves in the fingers, metres per second.
  public var slipSpeedMPerS: Double
  /// Slip distance after which the nut falls out, metres.
  public var dropSlipM: Double
  /// Contact stiffness between nut and pin (blocks the arm), newtons per metre.
  public var contactStiffnessNPerM: Double
  /// Cross-threading chance of a seating with one cause at its limit (`NutModel+Causes`).
  public var crossThreadAtLimit: Double = 0.1
  /// Entry speed onto the pin that counts as one cause at its limit for cross-threading, m/s.
  public var crossThreadSpeedLimitMPerS: Double = 0.3
  /// Side force at release that counts as one cause at its limit for cross-threading, newtons.
  public var crossThreadSideForceLimitN: Double = 5
  /// Lateral stiffness of the hand holding a nut on the pin (the arm's compliance, the fingers'
  /// give): how hard a hand off the pin's axis pushes the nut sideways, newtons per metre.
  public var handLateralStiffnessNPerM: Double = 800
  /// Axial impact force on first contact with the pin per unit of entry speed, N per m/s.
  public var chamferImpactNPerMPerS: Double = 500
  /// Half the pads' width across the closing direction, metres.
  public var padHalfWidthM: Double = 0.006

  /// The nut the docs describe: 12 teeth, Ø24 mm, 8 mm high, 20 g.
  public static var defaults: NutModel {
    NutModel(
      splineTeeth: 12, outerRadiusM: 0.012, splineMinorRadiusM: 0.0045, splineMajorRadiusM: 0.006, heightM: 0.008,
      massKg: 0.02, captureWindowDeg: 4, lateralCaptureM: 0.0015, pinLengthM: 0.012, magneticPullN: 0.5,
      magneticDecayM: 0.01, frictionRange: 0.4...0.6, lowFrictionRange: 0.1...0.2, gripOffsetSigmaM: 0.0002,
      gripYawSigmaDeg: 0.5, variationYawRangeDeg: 5...15, slipSpeedMPerS: 0.05, dropSlipM: 0.008,
      contactStiffnessNPerM: 20_000)
  }

  /// Angle between teeth, degrees.
  public var toothPitchDeg: Double { 360 / Double(splineTeeth) }

  /// A yaw difference as a spline phase error in [−pitch/2, pitch/2), degrees.
  public func phaseErrorDeg(nutYawRad: Double, pinYawRad: Double) -> Double {
    wrap((nutYawRad - pinYawRad) * 180 / .pi, period: toothPitchDeg)
  }
}

/// Where a nut is in its life (mirrors `workcell.sim.v1.NutState`).
public enum NutState: Int, Sendable, Hashable {
  /// No nut in play.
  case none = 0
  /// At the feeder's pick position.
  case inFeeder = 1
  /// Held by the gripper.
  case inGripper = 2
  /// On the pin, spline engaged, fully seated.
  case pinSeated = 3
  /// On the pin, not engaged (jammed, off axis or not pushed home).
  case pinNotSeated = 4
  /// Cross-threaded while fastened.
  case crossThreaded = 5
  /// Fastened within the window.
  case fastened = 6
  /// Dropped.
  case dropped = 7
}

/// What fastening a nut gave.
public enum FasteningOutcome: Sendable, Hashable {
  /// Fastened within the torque window.
  case fastened
  /// The nut was not seated on the pin (the fixture refuses to clamp).
  case notSeated
  /// The nut cross-threaded.
  case crossThreaded
  /// No nut on the pin.
  case noNut
}
