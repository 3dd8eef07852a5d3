/// A short, timed trajectory of joint and gripper targets from the policy (the control-side view
/// of `workcell.policy.v1.ActionChunk`): step i is due at `observedAtNanoseconds + i ×
/// stepPeriodNanoseconds`, on the controller's clock (the clock `update` is given; the service
/// maps protobuf timestamps onto it). No step may start after `expiresAtNanoseconds`.
public struct ActionChunk: Sendable, Hashable {
  /// Unique id for logs and progress reports.
  public var chunkID: String
  /// Time between steps, nanoseconds.
  public var stepPeriodNanoseconds: UInt64
  /// When step 0 is due, nanoseconds on the controller's clock.
  public var observedAtNanoseconds: UInt64
  /// No step may start after this, nanoseconds on the controller's clock.
  public var expiresAtNanoseconds: UInt64
  /// The joints every step targets, by name (a subset of the controller's joints is fine).
  public var jointNames: [String]
  /// The grippers every step targets, by name (may be empty).
  public var gripperNames: [String]
  /// Number of steps.
  public let stepCount: Int
  /// Joint targets, step-major: `[step × jointNames.count + joint]`, radians.
  public private(set) var jointPositionsRad: [Double]
  /// Gripper opening targets, step-major, metres.
  public private(set) var gripperWidthsM: [Double]
  /// Grip force per gripper, step-major, newtons.
  public private(set) var gripForcesN: [Double]

  /// A chunk from per-step arrays (`jointPositionsRad[step][joint]`, likewise for the grippers;
  /// gripper arrays may be empty when `gripperNames` is). Throws `invalidChunk` on a shape error.
  public init(
    chunkID: String, stepPeriodMs: UInt32, observedAtNanoseconds: UInt64, expiresAtNanoseconds: UInt64,
    jointNames: [String], jointPositionsRad: [[Double]], gripperNames: [String] = [],
    gripperWidthsM: [[Double]] = [], gripForcesN: [[Double]] = []
  ) throws(ControlError) {
    guard stepPeriodMs > 0 else { throw ControlError(.invalidChunk, "Chunk \(chunkID): step period is 0 ms.") }
    guard !jointPositionsRad.isEmpty else { throw ControlError(.invalidChunk, "Chunk \(chunkID) has no steps.") }
    guard expiresAtNanoseconds >= observedAtNanoseconds else {
      throw ControlError(.invalidChunk, "Chunk \(chunkID) expires before its step 0 is due.")
    }
    guard Set(jointNames).count == jointNames.count, Set(gripperNames).count == gripperNames.count else {
      throw ControlError(.invalidChunk, "Chunk \(chunkID) names a joint or gripper twice.")
    }
    for (index, step) in jointPositionsRad.enumerated() where step.count != jointNames.count {
      throw ControlError(
        .invalidChunk, "Chunk \(chunkID) step \(index) has \(step.count) joint targets for \(jointNames.count) joints.")
    }
    for (name, rows) in [("gripper width", gripperWidthsM), ("grip force", gripForcesN)] {
      guard rows.count == (gripperNames.isEmpty ? rows.count : jointPositionsRad.count) else {
        throw ControlError(
          .invalidChunk, "Chunk \(chunkID) has \(rows.count) \(name) steps for \(jointPositionsRad.count) steps.")
      }
      for (index, step) in rows.enumerated() where step.count != gripperNames.count {
        throw ControlError(
          .invalidChunk, "Chunk \(chunkID) step \(index) has \(step.count) \(name)s for \(gripperNames.count) grippers."
        )
      }
    }
    for step in jointPositionsRad where step.contains(where: { !$0.isFinite }) {
      throw ControlError(.invalidChunk, "Chunk \(chunkID) has a non-finite joint target.")
    }
    self.chunkID = chunkID
    self.stepPeriodNanoseconds = UInt64(stepPeriodMs) * 1_000_000
    self.observedAtNanoseconds = observedAtNanoseconds
    self.expiresAtNanoseconds = expiresAtNanoseconds
    self.jointNames = jointNames
    self.gripperNames = gripperNames
    self.stepCount = jointPositionsRad.count
    self.jointPositionsRad = jointPositionsRad.flatMap { $0 }
    let steps = jointPositionsRad.count
    self.gripperWidthsM = gripperNames.isEmpty ? [] : (gripperWidthsM.isEmpty ? [] : gripperWidthsM.flatMap { $0 })
    self.gripForcesN = gripperNames.isEmpty ? [] : (gripForcesN.isEmpty ? [] : gripForcesN.flatMap { $0 })
    if !gripperNames.isEmpty && (self.gripperWidthsM.count != steps * gripperNames.count) {
      throw ControlError(.invalidChunk, "Chunk \(chunkID) names grippers but gives no width per step.")
    }
  }

  /// When step `index` is due, nanoseconds on the controller's clock.
  public func dueNanoseconds(step index: Int) -> UInt64 {
    observedAtNanoseconds + UInt64(index) * stepPeriodNanoseconds
  }

  /// Target of joint `joint` (chunk order) at step `step`, radians.
  public func positionRad(step: Int, joint: Int) -> Double { jointPositionsRad[step * jointNames.count + joint] }
}
