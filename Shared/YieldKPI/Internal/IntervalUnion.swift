import Foundation

/// A union of half-open time spans [start, end), kept sorted and disjoint, in seconds since 1970.
/// Overlapping inputs are merged, so no time is ever counted twice.
struct IntervalUnion: Sendable, Equatable {
  private(set) var spans: [(start: Double, end: Double)] = []

  static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.spans.elementsEqual(rhs.spans) { $0.start == $1.start && $0.end == $1.end }
  }

  init() {}

  /// The union of `intervals`; empty and inverted ones add nothing.
  init<Intervals: Sequence<(start: Date, end: Date)>>(_ intervals: Intervals) {
    let raw =
      intervals
      .map { (start: $0.start.timeIntervalSince1970, end: $0.end.timeIntervalSince1970) }
      .filter { $0.end > $0.start }
      .sorted { $0.start < $1.start }
    for span in raw {
      if let last = spans.last, span.start <= last.end {
        spans[spans.count - 1].end = max(last.end, span.end)
      } else {
        spans.append(span)
      }
    }
  }

  /// Total seconds covered.
  var totalSeconds: Double { spans.reduce(0) { $0 + ($1.end - $1.start) } }

  /// The part inside `window`.
  func clipped(to window: DateInterval) -> IntervalUnion {
    let lower = window.start.timeIntervalSince1970
    let upper = window.end.timeIntervalSince1970
    var result = IntervalUnion()
    result.spans = spans.compactMap { span in
      let start = max(span.start, lower)
      let end = min(span.end, upper)
      return end > start ? (start, end) : nil
    }
    return result
  }

  /// The part not covered by `other`.
  func subtracting(_ other: IntervalUnion) -> IntervalUnion {
    var result = IntervalUnion()
    var cuts = other.spans[...]
    for span in spans {
      var start = span.start
      while let cut = cuts.first, cut.end <= start { cuts.removeFirst() }
      for cut in cuts {
        if cut.start >= span.end { break }
        if cut.start > start { result.spans.append((start, cut.start)) }
        start = max(start, cut.end)
        if start >= span.end { break }
      }
      if start < span.end { result.spans.append((start, span.end)) }
    }
    return result
  }
}
