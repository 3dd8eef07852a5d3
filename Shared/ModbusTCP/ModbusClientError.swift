import ModbusProtocol

/// Why a Modbus request to a PLC did not succeed, with the endpoint and what to check.
public struct ModbusClientError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, for code to switch on.
  public enum Code: String, Hashable, Sendable {
    /// The PLC answered with a Modbus exception (see `exceptionCode`).
    case exception
    /// No answer before the request's deadline.
    case timeout
    /// Not connected, or the connection dropped before the answer came.
    case disconnected
    /// The request itself is invalid (quantity or address out of range).
    case invalidRequest = "invalid_request"
    /// The answer was not a valid response to the request.
    case malformedResponse = "malformed_response"
    /// The caller cancelled.
    case cancelled
  }

  public var code: Code
  /// The Modbus exception the PLC answered with, when `code == .exception`.
  public var exceptionCode: ModbusExceptionCode?
  /// `host:port` of the PLC.
  public var endpoint: String
  /// What happened and what to check.
  public var message: String

  public init(_ code: Code, endpoint: String, _ message: String, exceptionCode: ModbusExceptionCode? = nil) {
    self.code = code
    self.endpoint = endpoint
    self.message = message
    self.exceptionCode = exceptionCode
  }

  /// Whether the request may simply be sent again: a busy PLC or a lost answer, and only for
  /// reads (docs/plc-io-map.md: "retries only what is safe to retry").
  public func isRetryable(for request: ModbusRequest) -> Bool {
    guard request.functionCode.isRead else { return false }
    switch code {
    case .timeout: return true
    case .exception: return exceptionCode == .serverDeviceBusy || exceptionCode == .acknowledge
    default: return false
    }
  }

  public var description: String { "PLC \(endpoint): \(message)" }
}
