/// A planned break inside a shift, by wall-clock time of day (e.g. 09:00–09:15); counts as a
/// planned stop in OEE.
public struct PlannedBreak: Hashable, Sendable {
  /// First moment of the break.
  public var start: TimeOfDay
  /// End of the break, exclusive; before `start` for a break across midnight (23:50–00:10).
  public var end: TimeOfDay

  /// Creates a break.
  public init(start: TimeOfDay, end: TimeOfDay) {
    self.start = start
    self.end = end
  }
}
