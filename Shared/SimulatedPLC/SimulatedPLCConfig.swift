/// Timings and stock of the simulated feeder and fixture PLCs, from docs/plc-io-map.md's typical
/// and maximum figures. `timeScale` shrinks every duration (tests run at 0.02–0.1).
public struct SimulatedPLCConfig: Sendable, Hashable {
  /// FEED_REQUEST → PART_PRESENT, typical (map: typ. 1.5 s).
  public var presentDelay: Duration
  /// CLAMP_REQUEST → CLAMPED (map: max 2 s).
  public var clampDelay: Duration
  /// FASTEN_START → FASTEN_DONE (map: typ. 3 s, max 8 s).
  public var fastenDuration: Duration
  /// RESULT_ACK → FASTEN_DONE and CLAMPED dropped.
  public var releaseDelay: Duration
  /// Relative jitter applied to each delay (0.1 = ±10 %), never past the map's maximum.
  public var jitter: Double
  /// No HEARTBEAT toggle for this long latches FAULT_CODE 16 (map: 1 s).
  public var heartbeatTimeout: Duration
  /// Nuts in the hopper at power-up.
  public var hopperCapacity: UInt16
  /// Final torque of a good tightening, N·m, and its window.
  public var nominalTorqueNm: Double
  public var torqueWindowNm: ClosedRange<Double>
  /// Final angle of a good tightening, degrees.
  public var nominalAngleDeg: Double
  /// Multiplies every duration above except the heartbeat timeout.
  public var timeScale: Double

  public init(
    presentDelay: Duration, clampDelay: Duration, fastenDuration: Duration, releaseDelay: Duration,
    jitter: Double, heartbeatTimeout: Duration, hopperCapacity: UInt16, nominalTorqueNm: Double,
    torqueWindowNm: ClosedRange<Double>, nominalAngleDeg: Double, timeScale: Double
  ) {
    self.presentDelay = presentDelay
    self.clampDelay = clampDelay
    self.fastenDuration = fastenDuration
    self.releaseDelay = releaseDelay
    self.jitter = jitter
    self.heartbeatTimeout = heartbeatTimeout
    self.hopperCapacity = hopperCapacity
    self.nominalTorqueNm = nominalTorqueNm
    self.torqueWindowNm = torqueWindowNm
    self.nominalAngleDeg = nominalAngleDeg
    self.timeScale = timeScale
  }

  /// The map's typical timings at real time, a 500-nut hopper, 12.5 N·m (11–14) and 360°.
  public static var defaults: SimulatedPLCConfig {
    SimulatedPLCConfig(
      presentDelay: .milliseconds(1500), clampDelay: .milliseconds(300), fastenDuration: .milliseconds(3000),
      releaseDelay: .milliseconds(100), jitter: 0.1, heartbeatTimeout: .seconds(1), hopperCapacity: 500,
      nominalTorqueNm: 12.5, torqueWindowNm: 11.0...14.0, nominalAngleDeg: 360, timeScale: 1)
  }

  /// The map's maximum for each delay, which the jitter never exceeds.
  static let maxPresentDelay = Duration.seconds(5)
  static let maxClampDelay = Duration.seconds(2)
  static let maxFastenDuration = Duration.seconds(8)
}

/// A deterministic random source for the simulated PLCs (SplitMix64), so a seed reproduces a run.
public struct SimulationRandom: Sendable, Hashable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// The next value in [0, 1).
  public mutating func unit() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Double(z >> 11) / Double(1 << 53)
  }

  /// `duration` scaled by 1 ± `jitter` and by `scale`, capped at `maximum × scale`.
  mutating func jittered(_ duration: Duration, jitter: Double, scale: Double, maximum: Duration) -> Duration {
    let factor = 1 + jitter * (2 * unit() - 1)
    return min(duration * factor, maximum) * scale
  }
}
