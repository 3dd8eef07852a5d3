import GRPCCore
import PlcHandshakes

/// A failed PLC handshake as the bridge's callers see it: the gRPC status the contract promises
/// (plc.proto's header) and the machine's message naming the tags and the remedy.
struct PlcBridgeError: Error, RPCErrorConvertible, CustomStringConvertible {
  let handshake: PlcHandshakeError
  let side: String

  init(_ handshake: PlcHandshakeError, side: String) {
    self.handshake = handshake
    self.side = side
  }

  var rpcErrorCode: RPCError.Code {
    switch handshake.code {
    case .timeout: .deadlineExceeded
    // An open safety chain refuses a step before it starts, and aborts one under way.
    case .estop where Self.startSteps.contains(handshake.step): .failedPrecondition
    case .estop, .connectionLost: .aborted
    case .plcFault, .notReady, .protocolViolation, .outOfOrder: .failedPrecondition
    case .invalidArgument: .invalidArgument
    case .cancelled: .cancelled
    }
  }

  /// Steps that are a command's start, before anything was written.
  static let startSteps: Set<PlcHandshakeError.Step> = [
    .requestPart, .confirmTaken, .clamp, .fasten, .acknowledgeResult, .faultReset,
  ]

  var rpcErrorMessage: String { "\(side) side, \(handshake.step.rawValue): \(handshake.message)" }

  var description: String { rpcErrorMessage }
}
