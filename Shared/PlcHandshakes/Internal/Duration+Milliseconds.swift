extension Duration {
  /// Whole milliseconds, truncated toward zero; for messages only (the machines compare `Duration`s).
  var wholeMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }
}
