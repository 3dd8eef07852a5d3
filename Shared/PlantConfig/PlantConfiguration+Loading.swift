import Foundation

/// What `PlantConfiguration.check` found in a plant file.
public struct PlantFileCheck: Sendable {
  /// The configuration, when the file was structured enough to read one (even with errors).
  public var configuration: PlantConfiguration?
  /// Every issue, ordered by line.
  public var issues: [PlantConfigIssue]

  /// The issues that refuse the file.
  public var errors: [PlantConfigIssue] { issues.filter { $0.severity == .error } }
}

extension PlantConfiguration {
  /// Reads and checks a plant file's text, collecting every issue instead of stopping at the
  /// first: what `workcell config check` prints.
  public static func check(yaml: String, file: String? = nil) -> PlantFileCheck {
    let reader = PlantFileReader()
    var configuration = reader.read(yaml)
    configuration?.sourceFile = file
    var issues = reader.issues
    if let configuration { issues += configuration.consistencyIssues() }
    issues.sort { ($0.line, $0.severity == .error ? 0 : 1) < ($1.line, $1.severity == .error ? 0 : 1) }
    return PlantFileCheck(configuration: configuration, issues: issues)
  }

  /// Reads a plant file's text; throws every error found (warnings do not refuse the file).
  public static func load(yaml: String, file: String) throws(PlantConfigError) -> PlantConfiguration {
    let result = check(yaml: yaml, file: file)
    guard let configuration = result.configuration, result.errors.isEmpty else {
      throw PlantConfigError(.invalid, file: file, issues: result.errors)
    }
    return configuration
  }

  /// Reads the plant file at `path`; throws when it cannot be read or has errors.
  public static func load(contentsOf path: String) throws(PlantConfigError) -> PlantConfiguration {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw PlantConfigError(.unreadable, file: path, reason: "\(error.localizedDescription)")
    }
    return try load(yaml: text, file: path)
  }
}
