import Foundation

extension Date {
  /// Milliseconds since 1970-01-01T00:00:00Z, rounded: the precision both backends keep.
  var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

  /// The instant `milliseconds` after 1970-01-01T00:00:00Z; built the same way on both backends so
  /// rows read back compare equal.
  init(millisecondsSince1970 milliseconds: Int64) {
    self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
  }

  /// This instant rounded to the millisecond.
  var roundedToMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}

extension Date {
  /// The first stored instant (whole millisecond, as `init(millisecondsSince1970:)` makes it) at or
  /// after this one: a stored time t satisfies `t >= self` exactly when it satisfies
  /// `t >= roundedUpToMilliseconds`, so a boundary compared in the database splits stored rows as the
  /// same comparison in Swift does.
  var roundedUpToMilliseconds: Date {
    var milliseconds = Int64((timeIntervalSince1970 * 1000).rounded(.down)) - 1
    while Date(millisecondsSince1970: milliseconds) < self { milliseconds += 1 }
    return Date(millisecondsSince1970: milliseconds)
  }
}
