import ArgumentParser

/// Reads `WORKCELL_*` environment variables as fallbacks for flags, with errors that name the
/// variable when its value does not parse.
public struct EnvironmentDefaults: Sendable {
  public let environment: [String: String]

  public init(_ environment: [String: String]) {
    self.environment = environment
  }

  /// The flag's value if given, else the environment variable's, else `fallback`.
  public func value<Value: ExpressibleByArgument>(
    _ flag: Value?, _ variable: String, default fallback: Value
  ) throws -> Value {
    if let flag { return flag }
    guard let raw = environment[variable], !raw.isEmpty else { return fallback }
    guard let parsed = Value(argument: raw) else {
      throw ValidationError("Environment variable \(variable)=\"\(raw)\" is not a valid value.")
    }
    return parsed
  }
}
