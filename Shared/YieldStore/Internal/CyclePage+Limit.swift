extension CyclePage {
  /// A page from the up to `limit + 1` rows a query fetched: the extra row only tells that
  /// another page exists.
  init(rows fetched: [CycleRow], limit: Int) {
    let rows = Array(fetched.prefix(limit))
    let next =
      fetched.count > limit
      ? rows.last.map { CyclePageCursor(endedAtMilliseconds: $0.endedAt.millisecondsSince1970, cycleID: $0.cycleID) }
      : nil
    self.init(rows: rows, next: next)
  }
}

/// Rejects a page size outside 1 … ``maximumPageLimit``.
func checkPageLimit(_ limit: Int) throws(YieldStoreError) {
  guard (1...maximumPageLimit).contains(limit) else {
    throw YieldStoreError(
      code: .invalidArgument, message: "limit \(limit) is out of range; use 1 to \(maximumPageLimit)")
  }
}
