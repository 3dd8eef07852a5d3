/// Why a model could not be built from a file: a code to switch on and a message to act on.
public struct PolicyModelError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of problem.
  public enum Code: String, Sendable, Hashable {
    /// The file is not valid safetensors (see ``cause``).
    case invalidFile
    /// A required `__metadata__` key is missing or unreadable.
    case invalidMetadata
    /// A tensor the architecture needs is missing.
    case missingTensor
    /// A tensor's shape does not match the architecture.
    case shapeMismatch
    /// A tensor holds NaN or infinity.
    case nonFiniteWeights
  }

  /// What kind of problem.
  public var code: Code
  /// What is wrong, for a person.
  public var message: String
  /// The file error underneath, for `invalidFile`.
  public var cause: SafetensorsError?

  /// An error with its code, message and optional cause.
  public init(_ code: Code, _ message: String, cause: SafetensorsError? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// `code: message`.
  public var description: String { "\(code.rawValue): \(message)" }
}
