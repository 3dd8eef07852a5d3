import GRPCCore
import Testing

@testable import WorkcellRuntime

@Suite("WorkcellError")
struct WorkcellErrorTests {
  @Test("every code leaves as a distinct gRPC status")
  func distinctCodes() {
    let codes = WorkcellError.Code.allCases.map(\.rpcCode)
    #expect(Set(codes.map { "\($0)" }).count == WorkcellError.Code.allCases.count)
    #expect(WorkcellError.Code.deadlineExceeded.rpcCode == .deadlineExceeded)
    #expect(WorkcellError.Code.internal.rpcCode == .internalError)
  }

  @Test("it converts to an RPCError carrying the message, not the cause's text")
  func conversion() {
    struct SocketFailure: Error, Sendable {}
    let error = WorkcellError(.unavailable, "Feeder PLC 10.0.0.5:502 does not answer; check its cable.", cause: SocketFailure())
    let rpc = RPCError(error)
    #expect(rpc.code == .unavailable)
    #expect(rpc.message == "Feeder PLC 10.0.0.5:502 does not answer; check its cable.")
    #expect(error.description.contains("SocketFailure"))
  }
}
