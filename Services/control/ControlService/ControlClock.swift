#if canImport(Glibc)
  import Glibc
#endif

/// The controller's clock and the mapping of protobuf timestamps (Unix nanoseconds) onto it.
/// Owned by the loop thread.
///
/// - `wall`: controller time is `CLOCK_MONOTONIC`; a timestamp maps through the current offset
///   between `CLOCK_REALTIME` and `CLOCK_MONOTONIC` (so an NTP step moves the mapping, never the
///   loop's pacing).
/// - `jointBus`: controller time is the state datagram's timestamp (robot or simulated time since
///   power-on / Reset). Its Unix epoch is learned from the first state — wall time at receipt
///   minus the datagram's timestamp — and learned again when the timestamps go backwards (a
///   Reset). That is exact when the simulated clock's `start_time` is the wall time of its Reset
///   and control joins at real time; see docs/control.md.
struct ControlClock: Sendable {
  /// Where controller time comes from.
  enum Source: String, Sendable {
    case wall
    case jointBus = "joint-bus"
  }

  let source: Source
  /// Unix time now, nanoseconds: the host's, or the fleet's simulated clock in one process (so
  /// the bus's epoch is the simulation's, whatever wall time the first state came at).
  let unixNow: @Sendable () -> UInt64
  /// Joint-bus clock: Unix nanoseconds of bus time 0.
  private(set) var epochUnixNanoseconds: UInt64?
  private var lastBusNanoseconds: UInt64 = 0

  init(source: Source, unixNow: @escaping @Sendable () -> UInt64 = { ControlClock.unixNanoseconds() }) {
    self.source = source
    self.unixNow = unixNow
  }

  /// `CLOCK_MONOTONIC`, nanoseconds.
  static func monotonicNanoseconds() -> UInt64 { read(CLOCK_MONOTONIC) }
  /// `CLOCK_REALTIME`, Unix nanoseconds.
  static func unixNanoseconds() -> UInt64 { read(CLOCK_REALTIME) }

  private static func read(_ clock: clockid_t) -> UInt64 {
    var now = timespec()
    clock_gettime(clock, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
  }

  /// Joint-bus clock: a state stamped `busNanoseconds` arrived; (re)learns the epoch.
  mutating func observeBusTimestamp(_ busNanoseconds: UInt64) {
    if epochUnixNanoseconds == nil || busNanoseconds < lastBusNanoseconds {
      epochUnixNanoseconds = unixNow() &- busNanoseconds
    }
    lastBusNanoseconds = busNanoseconds
  }

  /// A Unix timestamp on the controller's clock (0 if before its origin).
  func controllerNanoseconds(fromUnix unix: UInt64) -> UInt64 {
    switch source {
    case .wall:
      let offset = Self.unixNanoseconds() &- Self.monotonicNanoseconds()
      return unix > offset ? unix - offset : 0
    case .jointBus:
      let epoch = epochUnixNanoseconds ?? unixNow()
      return unix > epoch ? unix - epoch : 0
    }
  }

  /// Controller time as Unix nanoseconds (for `measured_at`).
  func unixNanoseconds(fromController time: UInt64) -> UInt64 {
    switch source {
    case .wall: time &+ (Self.unixNanoseconds() &- Self.monotonicNanoseconds())
    case .jointBus: time &+ (epochUnixNanoseconds ?? 0)
    }
  }
}
