/// The world's random source: SplitMix64, so one seed reproduces a whole run on every machine.
/// Never `SystemRandomNumberGenerator`: a trace must be a function of the seed alone.
public struct WorldRandom: RandomNumberGenerator, Sendable, Hashable {
  private var state: UInt64

  /// A generator whose whole sequence is fixed by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A value in [0, 1).
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A value in [lower, upper).
  public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

  /// True with probability `probability`.
  public mutating func chance(_ probability: Double) -> Bool { probability > 0 && unit() < probability }

  /// A standard normal value (Box–Muller).
  public mutating func normal() -> Double {
    let u1 = max(unit(), 0x1p-53)
    let u2 = unit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }

  /// +1 or −1 with equal chance.
  public mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }
}
