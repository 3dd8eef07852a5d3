import Dispatch

extension FingerContact {
  /// Both fingers' contacts, measured side by side on two cores (each is a few thousand line-fit
  /// evaluations; the simulated fleet runs on one thread and leaves the other core idle). Pure:
  /// the same results as one after the other.
  static func both(
    _ fingerA: TactileFrame, _ fingerB: TactileFrame, contactThresholdKPa: Double
  ) -> (FingerContact, FingerContact) {
    let results = Pair()
    DispatchQueue.concurrentPerform(iterations: 2) { index in
      let contact = FingerContact(index == 0 ? fingerA : fingerB, contactThresholdKPa: contactThresholdKPa)
      results.set(index, contact)
    }
    return (results.first!, results.second!)
  }

  /// The two results, each written by one iteration before `concurrentPerform` returns.
  private final class Pair: @unchecked Sendable {
    var first: FingerContact?
    var second: FingerContact?
    func set(_ index: Int, _ contact: FingerContact) {
      if index == 0 { first = contact } else { second = contact }
    }
  }
}
