/// A short timed trajectory answering one observation (`workcell.policy.v1.ActionChunk` without
/// the wire's ids): step i is due at `observedAtS + i × stepPeriodMs`; none may start after
/// `expiresAtS`.
public struct PolicyChunk: Sendable, Hashable {
  /// Version of the model that produced it.
  public var modelVersion: String
  /// The observation's sequence, echoed.
  public var sequence: UInt64
  /// The observation's time, seconds on the caller's clock: step 0's due time.
  public var observedAtS: Double
  /// No step may start after this, seconds on the same clock (observedAtS + chunkSteps × period).
  public var expiresAtS: Double
  /// Time between steps, milliseconds.
  public var stepPeriodMs: Int
  /// Joint order of every step's joint targets.
  public var jointNames: [String]
  /// Gripper order of every step's gripper targets.
  public var gripperNames: [String]
  /// The cycle step it was planned for.
  public var cycleStep: PolicyCycleStep
  /// The steps in time order.
  public var steps: [PolicyActionStep]

  /// A chunk from its parts.
  public init(
    modelVersion: String, sequence: UInt64, observedAtS: Double, expiresAtS: Double, stepPeriodMs: Int,
    jointNames: [String], gripperNames: [String], cycleStep: PolicyCycleStep, steps: [PolicyActionStep]
  ) {
    self.modelVersion = modelVersion
    self.sequence = sequence
    self.observedAtS = observedAtS
    self.expiresAtS = expiresAtS
    self.stepPeriodMs = stepPeriodMs
    self.jointNames = jointNames
    self.gripperNames = gripperNames
    self.cycleStep = cycleStep
    self.steps = steps
  }

  /// When step `index` is due, seconds on the observation's clock.
  public func dueAtS(step index: Int) -> Double { observedAtS + Double(index * stepPeriodMs) / 1000 }
}
