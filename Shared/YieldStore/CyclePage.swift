/// One page of cycles, newest first by (`ended_at`, `cycle_id`) descending.
public struct CyclePage: Sendable, Hashable {
  public var rows: [CycleRow]
  /// Where the next page starts; nil on the last page.
  public var next: CyclePageCursor?

  /// Creates a page.
  public init(rows: [CycleRow], next: CyclePageCursor?) {
    self.rows = rows
    self.next = next
  }
}
