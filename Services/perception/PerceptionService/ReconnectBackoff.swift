/// Pauses between reconnect attempts: doubling from `initial` up to `maximum`, with ±`jitter`
/// so many streams do not hammer a restarting source in step; back to `initial` once a stream
/// delivers again. Pure.
struct ReconnectBackoff: Sendable {
  /// The bounds.
  struct Config: Sendable, Hashable {
    var initial: Duration
    var maximum: Duration
    var multiplier = 2.0
    /// Relative jitter, 0.2 = ±20 %.
    var jitter = 0.2

    static var defaults: Config { Config(initial: .milliseconds(100), maximum: .seconds(5)) }
  }

  let config: Config
  /// Failed attempts since the last success.
  private(set) var failures = 0

  init(config: Config) { self.config = config }

  /// The pause before the next attempt; counts a failure. `unit` is a random draw in [0, 1).
  mutating func nextDelay(unit: Double) -> Duration {
    let initialS = Self.seconds(config.initial)
    let maximumS = Self.seconds(config.maximum)
    var delayS = initialS
    for _ in 0..<min(failures, 64) where delayS < maximumS { delayS *= config.multiplier }
    delayS = min(delayS, maximumS)
    failures += 1
    let jittered = delayS * (1 + config.jitter * (2 * unit - 1))
    return .nanoseconds(Int64(max(jittered, 0) * 1e9))
  }

  /// A stream delivered: start again from `initial`.
  mutating func succeeded() { failures = 0 }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}
