/// An error from the perception core: a code a machine can switch on and a message a person can
/// act on. Thrown only for malformed input; a frame that shows nothing useful is not an error but
/// an estimate with zero confidence.
public struct PerceptionError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong.
  public enum Code: String, Sendable, Hashable {
    /// A buffer's element count does not match its declared dimensions.
    case bufferSizeMismatch
    /// A dimension, intrinsic, geometry value or tolerance is zero, negative or not finite.
    case invalidParameter
    /// Two inputs that must agree (e.g. both fingers' array shapes) do not.
    case inconsistentInputs
    /// A learned model's file is not one this runtime reads (format, shapes, values).
    case invalidModel
  }

  /// The machine-readable code.
  public var code: Code
  /// What happened and what to check.
  public var message: String

  /// An error with its code and message.
  public init(code: Code, message: String) {
    self.code = code
    self.message = message
  }

  /// `code: message`.
  public var description: String { "\(code.rawValue): \(message)" }
}
