/// What a handshake machine decided on one command or poll.
///
/// The bridge performs `writes` now, in order, on the machine's device; when `outcome` is set, the
/// operation the caller waits for has finished (successfully or with `.failed`).
public struct HandshakeDecision<Outcome: Hashable & Sendable>: Hashable, Sendable {
  /// Writes to perform now, in this order.
  public var writes: [PlcWrite]
  /// The finished operation's outcome, or nil while it is still in progress (or none is).
  public var outcome: Outcome?

  /// Creates a decision.
  public init(writes: [PlcWrite] = [], outcome: Outcome? = nil) {
    self.writes = writes
    self.outcome = outcome
  }

  /// Nothing to write, nothing finished.
  public static var none: Self { Self() }
}
