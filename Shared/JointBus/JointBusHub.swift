import RobotHardware
import Synchronization

/// A robot's controller as a simulated world drives it in the same process: one call per tick
/// instead of a UDP datagram each way (docs/joint-bus.md, "In one process"). The same contract as
/// the bus — the state of a tick in, the command for the next out — carried as the controller's
/// own state and command interfaces, without a datagram and without two thread wake-ups per
/// millisecond: the in-process implementation of the hardware seam, beside the UDP bus. Called
/// only from the world's stepping thread.
public protocol JointBusController: AnyObject, Sendable {
  /// One tick: the robot's measured state in (the buffer may come back swapped with an older
  /// one: no allocation per tick); the command the robot executes next out. Returns the time
  /// the command is stamped with (the controller's time of the state it answers), nanoseconds.
  func tick(_ state: inout JointStateInterfaces, command: inout JointCommandInterfaces) -> UInt64
  /// Between ticks while time stands still: apply what the controller's clients asked for.
  func serviceRequests()
}

/// Where a simulated world and the controllers of its robots meet in one process: the
/// controllers attach by robot index; the world ticks whoever is attached. A robot whose
/// controller is not attached here is driven over the UDP bus as before.
public final class JointBusHub: Sendable {
  private let attached = Mutex<[Int: any JointBusController]>([:])
  private let requested = Mutex<Wake?>(nil)

  public init() {}

  /// `controller` drives robot `robot` from now on (replacing any other).
  public func attach(robot: Int, _ controller: any JointBusController) {
    attached.withLock { $0[robot] = controller }
  }

  /// Robot `robot` is no longer driven in process.
  public func detach(robot: Int) {
    _ = attached.withLock { $0.removeValue(forKey: robot) }
  }

  /// Whether a controller drives `robot` in process.
  public func isAttached(robot: Int) -> Bool { attached.withLock { $0[robot] != nil } }

  /// Ticks `robot`'s controller (under the hub's lock, so a controller detaching waits for its
  /// tick to end): the time its command is stamped with, or nil when none is attached.
  public func tick(robot: Int, state: inout JointStateInterfaces, command: inout JointCommandInterfaces) -> UInt64? {
    attached.withLock { controllers in
      guard let controller = controllers[robot] else { return nil }
      return controller.tick(&state, command: &command)
    }
  }

  /// Lets every attached controller apply its clients' requests (time standing still).
  public func serviceRequests() {
    attached.withLock { controllers in
      for robot in controllers.keys.sorted() { controllers[robot]!.serviceRequests() }
    }
  }

  /// The world's wake-up when a controller has requests waiting (set by the world).
  public func onRequests(_ wake: @escaping @Sendable () -> Void) {
    let wake = Wake(wake)
    requested.withLock { $0 = wake }
  }

  /// A controller's client queued a request: wake the world to service it.
  public func requestsWaiting() { requested.withLock { $0 }?.call() }
}

/// A closure kept behind a lock. Not the closure itself: `Mutex.withLock { $0 }` on a stored
/// closure re-wraps it in two reabstraction thunks per call (the `inout` is written back), so a
/// closure read a million times is a million thunks deep. A reference reads back unchanged.
public final class Wake: Sendable {
  public let call: @Sendable () -> Void
  public init(_ call: @escaping @Sendable () -> Void) { self.call = call }
}
