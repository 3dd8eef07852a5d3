/// How a refinement loop ended.
public struct RefinementOutcome<State> {
  /// The plant's state at the end.
  public var state: State
  /// Every step computed, the last one the check that stopped the loop.
  public var steps: [RefinementStep]
  /// The last check was within both tolerances.
  public var converged: Bool

  /// Corrections applied (steps minus the final check).
  public var corrections: Int { max(steps.count - 1, 0) }
}

extension RefinementOutcome: Sendable where State: Sendable {}
