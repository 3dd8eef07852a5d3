/// An error from a yield store: a ``Code`` to switch on and a message saying what to fix.
public struct YieldStoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, stable for machines (`snake_case` raw value, as the API's error codes).
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    /// The `snake_case` name used in API error bodies.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// A page token that this store did not issue.
    public static let malformedPageToken = Code("malformed_page_token")
    /// A record the store cannot even encode (e.g. an id that is not a UUID).
    public static let invalidRecord = Code("invalid_record")
    /// A record the database refused (CHECK, NOT NULL, …); the whole batch was rolled back.
    public static let constraintViolation = Code("constraint_violation")
    /// An argument out of range, e.g. a page limit of 0.
    public static let invalidArgument = Code("invalid_argument")
    /// The configuration (DSN, path) cannot be used.
    public static let invalidConfiguration = Code("invalid_configuration")
    /// The database failed or could not be reached.
    public static let databaseUnavailable = Code("database_unavailable")

    public var description: String { rawValue }
  }

  public var code: Code
  /// What happened and what to do about it.
  public var message: String
  /// For a batch: the index of the offending record, when known.
  public var recordIndex: Int?
  /// For a record: the offending field, `snake_case`, when known.
  public var field: String?

  /// Creates an error.
  public init(code: Code, message: String, recordIndex: Int? = nil, field: String? = nil) {
    self.code = code
    self.message = message
    self.recordIndex = recordIndex
    self.field = field
  }

  public var description: String {
    var text = "\(code): \(message)"
    if let recordIndex { text += " (record \(recordIndex)" + (field.map { ", field \($0)" } ?? "") + ")" }
    return text
  }
}
