/// What one ``WholeBodyController/update(state:nowNanoseconds:command:)`` did besides writing the
/// command.
public struct ControlTick: Sendable, Hashable {
  /// The chunk that ended on this tick (completed, expired, balance, fault), if one did.
  public var endedChunk: ChunkProgress?
  /// The mode after the tick.
  public var mode: ControlMode
  /// Joints whose gains the limiter scaled down to keep the predicted torque inside its limit.
  public var torqueLimitedJoints: Int

  /// A tick outcome.
  public init(endedChunk: ChunkProgress? = nil, mode: ControlMode, torqueLimitedJoints: Int = 0) {
    self.endedChunk = endedChunk
    self.mode = mode
    self.torqueLimitedJoints = torqueLimitedJoints
  }
}
