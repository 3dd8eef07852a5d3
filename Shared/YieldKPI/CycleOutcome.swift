/// How a cycle ended (docs/yield-api.md "Records"): a good part, a rejected part, or no part at all.
public enum CycleOutcome: String, Hashable, Sendable, CaseIterable, Codable {
  /// The part was completed and passed; counts as good.
  case ok
  /// The part was completed and rejected; counts in yield and quality as bad.
  case nok
  /// The cycle stopped without a verdict; counted, but excluded from yield and quality.
  case aborted
}
