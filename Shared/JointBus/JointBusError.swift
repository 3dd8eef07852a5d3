/// Why a datagram was refused. The receiver drops it and counts it; it never stops the loop.
public struct JointBusError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What was wrong, for a machine.
  public enum Code: Sendable, Hashable {
    /// Not the size its kind has.
    case wrongSize
    /// Does not start with "WCJB".
    case badMagic
    /// A version this side does not speak.
    case unsupportedVersion
    /// A command where a state was expected, or the reverse, or an unknown kind.
    case wrongKind
    /// A joint count other than the bus's.
    case wrongJointCount
    /// The CRC-32 does not match the bytes.
    case badChecksum
  }

  /// What was wrong.
  public let code: Code
  /// What was wrong, for a person.
  public let message: String

  /// An error with its code and message.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}
