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

  /// Whether the request may simply be sent again (docs/plc-bridge.md, "Retries"): exception 06
  /// (server device busy) means the PLC did not execute it, so reads and writes alike; a lost
  /// answer or exception 05 (acknowledge: accepted, still executing) only for reads — a write
  /// may have taken effect.
  public func isRetryable(for request: ModbusRequest) -> Bool {
    switch code {
    case .exception where exceptionCode == .serverDeviceBusy: return true
    case .exception where exceptionCode == .acknowledge: return request.functionCode.isRead
    case .timeout: return request.functionCode.isRead
    default: return false
    }
  }

  /// The PLC refused the request as busy (exception 06): it was not executed.
  public var isBusy: Bool { code == .exception && exceptionCode == .serverDeviceBusy }

  public var description: String { "PLC \(endpoint): \(message)" }
}
