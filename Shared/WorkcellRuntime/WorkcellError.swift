import GRPCCore

/// An error a Workcell service reports to its callers: a code a machine can switch on, and a
/// message a person can act on ("what happened, and what to do about it").
///
/// It leaves a gRPC handler as the matching `RPCError` status, so clients of any language see
/// the right status code and the message, never a bare "internal error".
public struct WorkcellError: Error, Sendable, RPCErrorConvertible, CustomStringConvertible {
  /// What kind of failure this is; maps one-to-one onto a gRPC status code.
  public enum Code: String, Sendable, Hashable, CaseIterable {
    /// The caller sent something wrong (a bad field, an out-of-range value).
    case invalidArgument = "invalid_argument"
    /// The thing asked about does not exist (unknown cell, robot, model).
    case notFound = "not_found"
    /// It exists already (duplicate id).
    case alreadyExists = "already_exists"
    /// The system is not in a state that allows this (e-stop active, fixture not clamped).
    case failedPrecondition = "failed_precondition"
    /// The operation was aborted by a conflict or a safety event; retrying may succeed.
    case aborted = "aborted"
    /// The deadline passed before the operation finished (PLC handshake, policy answer).
    case deadlineExceeded = "deadline_exceeded"
    /// A dependency (PLC, database, another service) cannot be reached right now.
    case unavailable = "unavailable"
    /// The caller's credentials are missing or invalid.
    case unauthenticated = "unauthenticated"
    /// The caller is known but may not do this.
    case permissionDenied = "permission_denied"
    /// A limit was reached (queue full, too many requests in flight).
    case resourceExhausted = "resource_exhausted"
    /// The behaviour is not built yet (names the issue that builds it).
    case unimplemented = "unimplemented"
    /// The caller cancelled.
    case cancelled = "cancelled"
    /// A bug or an invariant broken inside the service.
    case `internal` = "internal"

    /// The gRPC status code this failure leaves as.
    public var rpcCode: RPCError.Code {
      switch self {
      case .invalidArgument: .invalidArgument
      case .notFound: .notFound
      case .alreadyExists: .alreadyExists
      case .failedPrecondition: .failedPrecondition
      case .aborted: .aborted
      case .deadlineExceeded: .deadlineExceeded
      case .unavailable: .unavailable
      case .unauthenticated: .unauthenticated
      case .permissionDenied: .permissionDenied
      case .resourceExhausted: .resourceExhausted
      case .unimplemented: .unimplemented
      case .cancelled: .cancelled
      case .internal: .internalError
      }
    }
  }

  /// What kind of failure this is.
  public var code: Code
  /// What happened and what to do about it, for a person.
  public var message: String
  /// The underlying error, if any (kept for logs; its text is not sent to callers).
  public var cause: (any Error & Sendable)?

  /// Creates an error with a code, a message a person can act on, and an optional cause.
  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var rpcErrorCode: RPCError.Code { code.rpcCode }
  public var rpcErrorMessage: String { message }
  public var rpcErrorCause: (any Error)? { cause }

  public var description: String {
    if let cause {
      return "\(code.rawValue): \(message) (cause: \(cause))"
    }
    return "\(code.rawValue): \(message)"
  }
}
