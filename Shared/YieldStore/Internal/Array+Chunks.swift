extension Array {
  /// Consecutive slices of at most `size` elements (the last may be shorter).
  func chunks(ofCount size: Int) -> [ArraySlice<Element>] {
    precondition(size > 0, "chunk size must be positive")
    return stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
  }
}
