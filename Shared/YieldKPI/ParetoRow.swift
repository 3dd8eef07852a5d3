/// One bar of the failure Pareto (GET /failures/pareto).
public struct ParetoRow: Hashable, Sendable {
  /// The failure.
  public var failureCode: FailureCode
  /// Failed cycles with this code.
  public var count: Int
  /// count / all failed cycles counted.
  public var share: Double
  /// Share of this row and all rows above it; exactly 1.0 on the last row.
  public var cumulativeShare: Double

  /// Creates a row.
  public init(failureCode: FailureCode, count: Int, share: Double, cumulativeShare: Double) {
    self.failureCode = failureCode
    self.count = count
    self.share = share
    self.cumulativeShare = cumulativeShare
  }
}
