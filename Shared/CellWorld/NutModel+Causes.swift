/// The failure modes' causes: how the state the robot produced sets the chance or the effect of a
/// failure (docs/simulation.md, "Failure models"). Pure functions of that state, so each is
/// table-tested; the world draws against them.
extension NutModel {
  /// How a nut started on the pin and was let go: what decides whether its fastening cross-threads.
  public struct Seating: Sendable, Hashable {
    /// Distance of the nut's axis from the pin's at first contact, metres (≤ `lateralCaptureM`
    /// for a nut that engaged: the lead-in centred it from there).
    public var entryOffsetM: Double
    /// Spline phase error at first contact, degrees (≤ `captureWindowDeg` for a nut that engaged:
    /// the chamfer turned it from there).
    public var entryPhaseDeg: Double
    /// The nut's downward speed at first contact, metres per second.
    public var entrySpeedMPerS: Double
    /// Force across the pin's axis on the nut when the fingers let go of it, newtons (a nut let
    /// go while still pushed sideways seats tilted).
    public var releaseSideForceN: Double

    public init(entryOffsetM: Double, entryPhaseDeg: Double, entrySpeedMPerS: Double, releaseSideForceN: Double) {
      self.entryOffsetM = entryOffsetM
      self.entryPhaseDeg = entryPhaseDeg
      self.entrySpeedMPerS = entrySpeedMPerS
      self.releaseSideForceN = releaseSideForceN
    }

    /// A nut put on centred, in phase, slowly, and let go without side load.
    public static let nominal = Seating(entryOffsetM: 0, entryPhaseDeg: 0, entrySpeedMPerS: 0, releaseSideForceN: 0)
  }

  /// How far the seating was from nominal: the sum of each cause's square against its limit
  /// (offset against the lead-in's capture, phase against the chamfer's window, entry speed
  /// against `crossThreadSpeedLimitMPerS`, side force against `crossThreadSideForceLimitN`).
  /// 0 for a nominal seating; 1 with one cause at its limit.
  public func seatingSeverity(_ s: Seating) -> Double {
    let offset = s.entryOffsetM / lateralCaptureM
    let phase = s.entryPhaseDeg / captureWindowDeg
    let speed = max(0, s.entrySpeedMPerS) / crossThreadSpeedLimitMPerS
    let force = s.releaseSideForceN / crossThreadSideForceLimitN
    return offset * offset + phase * phase + speed * speed + force * force
  }

  /// The chance that fastening a nut seated like `s` cross-threads it (without the residual
  /// random part, `WorldFault.crossThread`'s rate): `crossThreadAtLimit` × severity², at most
  /// one half. A nut started tilted, off-centre or turned runs its first thread askew.
  public func crossThreadProbability(_ s: Seating) -> Double {
    let severity = seatingSeverity(s)
    return min(0.5, crossThreadAtLimit * severity * severity)
  }

  /// Whether first contact with the pin's chamfer turns the nut in the fingers: the impact's
  /// torque about the nut's axis (`chamferImpactNPerMPerS` × entry speed, through the chamfer's
  /// 30° at the spline's radius) beats what the pads hold (2 μ F at the nut's outer radius).
  public func impactTurnsNut(entrySpeedMPerS: Double, friction: Double, gripForceN: Double) -> Bool {
    let impactN = chamferImpactNPerMPerS * max(0, entrySpeedMPerS)
    let turningNm = impactN * 0.577 * splineMajorRadiusM
    let holdingNm = 2 * friction * max(0, gripForceN) * outerRadiusM
    return turningNm > holdingNm
  }

  /// The friction coefficient of a grasp whose nut sits `offsetAcrossPadsM` off the pads'
  /// centre: the contact patch shrinks toward the pads' edge, to a quarter at `padHalfWidthM`.
  public func effectiveFriction(_ friction: Double, offsetAcrossPadsM: Double) -> Double {
    let x = min(1, abs(offsetAcrossPadsM) / padHalfWidthM)
    return friction * (1 - 0.75 * x * x)
  }
}
