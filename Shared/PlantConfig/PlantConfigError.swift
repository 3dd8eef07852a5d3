/// Why a plant file was refused: the file, and every error found in it with its line.
public struct PlantConfigError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, for a machine to switch on.
  public enum Code: String, Hashable, Sendable {
    /// The file could not be read.
    case unreadable
    /// The file was read but has errors (see `issues`).
    case invalid
  }

  public var code: Code
  /// The plant file's path as given.
  public var file: String
  /// The errors found (warnings are not included), in line order.
  public var issues: [PlantConfigIssue]
  /// For `unreadable`: why.
  public var reason: String?

  public init(_ code: Code, file: String, issues: [PlantConfigIssue] = [], reason: String? = nil) {
    self.code = code
    self.file = file
    self.issues = issues
    self.reason = reason
  }

  /// One line per issue, `FILE:LINE: error: …`.
  public var description: String {
    switch code {
    case .unreadable:
      return "plant file \(file) cannot be read: \(reason ?? "unknown reason")"
    case .invalid:
      return "plant file \(file) has \(issues.count) error(s):\n"
        + issues.map { $0.formatted(file: file) }.joined(separator: "\n")
    }
  }
}
