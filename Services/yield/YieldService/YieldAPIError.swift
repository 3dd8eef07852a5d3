import GRPCCore
import HTTPTypes
import YieldStore

/// An error of the yield API, one type for REST and gRPC: a `snake_case` code (the REST body's
/// `error.code`), the HTTP status and gRPC code it maps to, and a message saying what to fix.
struct YieldAPIError: Error, Sendable {
  var code: String
  var httpStatus: HTTPResponse.Status
  var rpcCode: RPCError.Code
  var message: String
  /// Per-record problems of a refused ingest batch.
  var details: [FieldProblem] = []

  static func invalidParameter(_ message: String) -> Self {
    Self(code: "invalid_parameter", httpStatus: .badRequest, rpcCode: .invalidArgument, message: message)
  }
  static func unknownParameter(_ message: String) -> Self {
    Self(code: "unknown_parameter", httpStatus: .badRequest, rpcCode: .invalidArgument, message: message)
  }
  static func invalidRange(_ message: String) -> Self {
    Self(code: "invalid_range", httpStatus: .badRequest, rpcCode: .invalidArgument, message: message)
  }
  static func invalidJSON(_ message: String) -> Self {
    Self(code: "invalid_json", httpStatus: .badRequest, rpcCode: .invalidArgument, message: message)
  }
  static func batchTooLarge(_ count: Int, limit: Int) -> Self {
    Self(
      code: "batch_too_large", httpStatus: .badRequest, rpcCode: .invalidArgument,
      message: "The batch has \(count) records; at most \(limit) per request. Split it; nothing was stored.")
  }
  static func rejected(_ rejection: BatchRejection) -> Self {
    Self(
      code: "invalid_record", httpStatus: .badRequest, rpcCode: .invalidArgument, message: rejection.summary,
      details: rejection.problems)
  }
  static let unauthenticated = Self(
    code: "unauthenticated", httpStatus: .unauthorized, rpcCode: .unauthenticated,
    message: "Send a token: 'Authorization: Bearer <token>' (gRPC: 'authorization' metadata).")
  static func forbidden(_ scope: String) -> Self {
    Self(
      code: "forbidden", httpStatus: .forbidden, rpcCode: .permissionDenied,
      message: "This token lacks the '\(scope)' scope this request needs.")
  }

  /// A storage failure as the API reports it.
  init(_ error: YieldStoreError) {
    switch error.code {
    case .malformedPageToken:
      self.init(code: "malformed_page_token", httpStatus: .badRequest, rpcCode: .invalidArgument, message: error.message)
    case .invalidArgument, .invalidRecord, .constraintViolation:
      self.init(
        code: error.code == .invalidArgument ? "invalid_parameter" : "invalid_record", httpStatus: .badRequest,
        rpcCode: .invalidArgument, message: error.message,
        details: error.recordIndex.map { [FieldProblem(index: $0, field: error.field ?? "", problem: error.message)] } ?? [])
    case .databaseUnavailable, .invalidConfiguration:
      self.init(
        code: "database_unavailable", httpStatus: .serviceUnavailable, rpcCode: .unavailable,
        message: "The yield database is unavailable; retry later (\(error.message)).")
    default:
      self.init(code: "internal", httpStatus: .internalServerError, rpcCode: .internalError, message: error.message)
    }
  }

  init(code: String, httpStatus: HTTPResponse.Status, rpcCode: RPCError.Code, message: String, details: [FieldProblem] = []) {
    self.code = code
    self.httpStatus = httpStatus
    self.rpcCode = rpcCode
    self.message = message
    self.details = details
  }

  var rpcError: RPCError { RPCError(code: rpcCode, message: message) }

  /// The REST error body.
  var json: JSONValue {
    var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
    if !details.isEmpty {
      error.append(
        ("details", .array(details.map { .object([("index", .int($0.index)), ("field", .string($0.field)), ("problem", .string($0.problem))]) })))
    }
    return .object([("error", .object(error))])
  }
}
