/// A participant of a simulation that holds the clock while it computes: a robot's cycle loop,
/// a poll loop, a stream's publisher, or an RPC's handler working for its caller (the caller's
/// activity travels with the call, so a handler that waits on the clock lets time run on for the
/// caller, who is blocked on it anyway).
///
/// The activity a task works for is task-local (`SimActivity.current`): child tasks inherit it,
/// and the runtime's gRPC interceptors carry it from caller to handler.
public final class SimActivity: Sendable, CustomStringConvertible {
  /// Stable name (orders wake-ups due at the same instant: same names, same order, every run).
  public let name: String
  /// Unique within the clock.
  public let id: UInt64

  init(name: String, id: UInt64) {
    self.name = name
    self.id = id
  }

  public var description: String { "\(name)#\(id)" }

  /// The activity the current task works for, if any.
  @TaskLocal public static var current: SimActivity?
}
