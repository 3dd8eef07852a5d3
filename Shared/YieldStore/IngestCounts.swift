/// What one committed ingest batch did: rows newly stored, and rows whose id was already stored
/// (or repeated inside the batch) and so changed nothing.
public struct IngestCounts: Sendable, Hashable, Codable {
  public var accepted: Int
  public var duplicates: Int

  /// Creates ingest counts.
  public init(accepted: Int, duplicates: Int) {
    self.accepted = accepted
    self.duplicates = duplicates
  }
}
