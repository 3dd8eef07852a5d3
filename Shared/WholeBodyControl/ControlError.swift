/// Why the controller refused a request. `code` is for a machine (the service maps it to a gRPC
/// status); `message` is for a person.
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, for a machine.
  public enum Code: Sendable, Hashable {
    /// The chunk is malformed (shape, names, timing); maps to INVALID_ARGUMENT.
    case invalidChunk
    /// The request does not apply in the current mode; maps to FAILED_PRECONDITION.
    case wrongMode
    /// Resume refused while the safety chain (e-stop, interlock) is open; FAILED_PRECONDITION.
    case safetyChainOpen
    /// Resume refused while the joint bus delivers no state; UNAVAILABLE.
    case jointBusDown
  }

  /// What went wrong.
  public let code: Code
  /// What went wrong and what to do, for a person.
  public let message: String

  /// An error with its code and message.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
