/// When to toggle a PLC's HEARTBEAT coil: the map requires a toggle at least every 250 ms while the
/// bridge is connected, and a PLC that sees none for 1 s latches FAULT_CODE 16.
///
/// The poll loop asks `due(now:)` on every tick and writes the returned value to the device's
/// HEARTBEAT coil (`PlcDevice.heartbeatCoilAddress`). A toggle happens on the first tick at or after
/// it is due, so the longest gap is the period plus one poll period.
public struct HeartbeatSchedule: Hashable, Sendable {
  /// The heartbeat's timing.
  public struct Config: Hashable, Sendable {
    /// Time between toggles; must be above zero and below `maximumPeriod`.
    public var period: Duration

    /// Creates a configuration.
    public init(period: Duration) {
      self.period = period
    }

    /// The map's bound: a toggle at least every 250 ms. Periods at or above it are rejected.
    public static var maximumPeriod: Duration { .milliseconds(250) }

    /// A toggle every 100 ms.
    public static var defaults: Self { Self(period: .milliseconds(100)) }
  }

  /// The timing in use.
  public let config: Config
  /// The value last returned by `due(now:)` (false before the first toggle).
  public private(set) var value: Bool = false
  private var nextToggleAt: Duration?

  /// Creates a schedule; throws `invalidArgument` for a period ≤ 0 or ≥ 250 ms.
  public init(config: Config = .defaults) throws(PlcHandshakeError) {
    guard config.period > .zero, config.period < Config.maximumPeriod else {
      throw PlcHandshakeError(
        .invalidArgument, step: .heartbeat,
        "a heartbeat period of \(config.period.wholeMilliseconds) ms is not allowed: the I/O map requires a "
          + "HEARTBEAT toggle at least every \(Config.maximumPeriod.wholeMilliseconds) ms (the PLC latches "
          + "FAULT_CODE 16 after 1 s without one); configure a period above 0 and below "
          + "\(Config.maximumPeriod.wholeMilliseconds) ms, e.g. 100 ms")
    }
    self.config = config
  }

  /// The HEARTBEAT value to write now when a toggle is due, nil otherwise. The first call toggles
  /// at once. A late tick toggles once and schedules the next toggle a full period later, rather
  /// than catching up with a burst.
  public mutating func due(now: Duration) -> Bool? {
    if let next = nextToggleAt, now < next { return nil }
    value.toggle()
    if let next = nextToggleAt, next + config.period > now {
      nextToggleAt = next + config.period
    } else {
      nextToggleAt = now + config.period
    }
    return value
  }

  /// Starts over (e.g. after a reconnect): the next `due(now:)` toggles at once.
  public mutating func restart() {
    nextToggleAt = nil
  }
}
