import PlcHandshakes
import Testing

/// A failure a table row expects: code, step and fault code exactly, plus words the message must
/// contain so a person can act on it.
struct ExpectedFailure: Sendable, CustomStringConvertible {
  var code: PlcHandshakeError.Code
  var step: PlcHandshakeError.Step
  var faultCode: PlcFaultCode?
  var mentions: [String]

  init(
    _ code: PlcHandshakeError.Code, at step: PlcHandshakeError.Step, faultCode: PlcFaultCode? = nil,
    mentions: [String] = []
  ) {
    self.code = code
    self.step = step
    self.faultCode = faultCode
    self.mentions = mentions
  }

  var description: String { "\(code.rawValue) at \(step.rawValue)" }

  /// Records an issue for every way `error` differs from this expectation.
  func check(_ error: PlcHandshakeError, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(error.code == code, "\(context): code", sourceLocation: sourceLocation)
    #expect(error.step == step, "\(context): step", sourceLocation: sourceLocation)
    #expect(error.faultCode == faultCode, "\(context): fault code", sourceLocation: sourceLocation)
    #expect(!error.message.isEmpty, "\(context): empty message", sourceLocation: sourceLocation)
    for word in mentions {
      #expect(
        error.message.contains(word), "\(context): message \"\(error.message)\" should mention \"\(word)\"",
        sourceLocation: sourceLocation)
    }
  }
}

/// A monotonic reading `ms` milliseconds after an arbitrary origin.
func ms(_ value: Int64) -> Duration { .milliseconds(value) }
