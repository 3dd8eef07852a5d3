/// Bytes that are not a valid Modbus TCP frame or PDU, with what is wrong with them.
public struct ModbusFrameError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of malformation this is.
  public enum Code: String, Hashable, Sendable {
    /// The MBAP header's protocol identifier is not 0 (not Modbus).
    case invalidProtocolIdentifier = "invalid_protocol_identifier"
    /// The MBAP length is outside 2…254.
    case invalidLength = "invalid_length"
    /// The PDU is shorter or longer than its function requires.
    case malformedPDU = "malformed_pdu"
    /// A function code this implementation does not speak.
    case unsupportedFunction = "unsupported_function"
    /// A quantity or value outside what the specification allows (e.g. 126 registers).
    case valueOutOfRange = "value_out_of_range"
    /// A response that does not answer the request it was matched to.
    case responseMismatch = "response_mismatch"
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}
