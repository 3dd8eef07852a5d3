/// How tracking of one chunk is going (`workcell.control.v1.ExecutionProgress`).
public struct ChunkProgress: Sendable, Hashable {
  /// The chunk reported on.
  public var chunkID: String
  /// The step being (or last) tracked: the latest step already due.
  public var stepIndex: Int
  /// Largest absolute joint tracking error (measured vs reference) during the current step, radians.
  public var stepTrackingErrorRad: Double
  /// Largest absolute joint tracking error over the chunk so far, radians.
  public var maxTrackingErrorRad: Double
  /// This chunk will not be tracked any further.
  public var done: Bool
  /// Why it is done; nil while executing.
  public var reason: ExecutionReason?
  /// For logs: which joint hit which limit, and the like; empty when nothing to say.
  public var detail: String
  /// When this was measured, nanoseconds on the controller's clock.
  public var measuredAtNanoseconds: UInt64

  /// Progress of a chunk that has just started.
  public init(chunkID: String, measuredAtNanoseconds: UInt64) {
    self.chunkID = chunkID
    stepIndex = 0
    stepTrackingErrorRad = 0
    maxTrackingErrorRad = 0
    done = false
    reason = nil
    detail = ""
    self.measuredAtNanoseconds = measuredAtNanoseconds
  }
}
