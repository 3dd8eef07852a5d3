import Foundation

/// Converts between instants and a zone's wall clock with nothing but UTC offsets, so days, hours
/// and shifts follow DST exactly.
///
/// Wall time is counted as "local seconds": seconds since 1970-01-01T00:00 on the zone's clock.
/// Local days are `floor(localSeconds / 86 400)`.
struct ZonedWallClock: Sendable {
  static let secondsPerDay = 86_400

  let zone: TimeZone

  /// Wall-clock seconds at `date`.
  func localSeconds(at date: Date) -> Double {
    date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))
  }

  /// The wall-clock day containing `date`.
  func localDay(containing date: Date) -> Int {
    Int((localSeconds(at: date) / Double(Self.secondsPerDay)).rounded(.down))
  }

  /// The instant at which the wall clock shows `localSeconds`.
  ///
  /// A time shown twice (clocks going back) maps to its first occurrence; a time never shown (clocks
  /// going forward) maps to the instant the same distance after the jump, e.g. 02:30 on a night
  /// the clock jumps from 02:00 to 03:00 becomes 03:30. Assumes at most one offset change within
  /// a day either side, which holds for every IANA zone.
  func date(atLocalSeconds localSeconds: Int) -> Date {
    let local = Double(localSeconds)
    let offsetBefore = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local - Double(Self.secondsPerDay)))
    let offsetAfter = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local + Double(Self.secondsPerDay)))
    let candidates = [local - Double(offsetBefore), local - Double(offsetAfter)]
      .map { Date(timeIntervalSince1970: $0) }
      .filter { self.localSeconds(at: $0) == local }
    if let first = candidates.min() { return first }
    return Date(timeIntervalSince1970: local - Double(offsetBefore))
  }

  /// The start of the wall-clock day `localDay` (midnight, or the first instant after a jump over it).
  func startOfDay(_ localDay: Int) -> Date {
    date(atLocalSeconds: localDay * Self.secondsPerDay)
  }

  /// The start of the wall-clock hour containing `date`. Taken back from `date` itself, so the
  /// hour repeated when clocks go back is two separate hours.
  func startOfHour(containing date: Date) -> Date {
    let local = localSeconds(at: date)
    let intoHour = local - (local / 3600).rounded(.down) * 3600
    return date.addingTimeInterval(-intoHour)
  }
}
