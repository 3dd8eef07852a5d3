import GRPCCore
import Synchronization
import WorkcellProto

/// A stand-in for plc-bridge that only streams `WatchSafety` (the left side's e-stop as a test
/// sets it), so control's safety input can be driven without PLCs.
final class SafetyBridgeStub: Workcell_Plc_V1_PlcBridge.SimpleServiceProtocol, Sendable {
  private let estopOK = Mutex(true)

  /// Presses (false) or releases (true) the e-stop.
  func setEstop(ok: Bool) { estopOK.withLock { $0 = ok } }

  func watchSafety(
    request: Workcell_Plc_V1_WatchSafetyRequest, response: RPCWriter<Workcell_Plc_V1_WatchSafetyResponse>,
    context: ServerContext
  ) async throws {
    while !Task.isCancelled {
      let ok = estopOK.withLock { $0 }
      try await response.write(
        .with {
          $0.event = .with {
            $0.sides = [
              .with {
                $0.side = .left
                $0.estopOk = ok
              }
            ]
          }
        })
      try await Task.sleep(for: .milliseconds(10))
    }
  }

  private static func unimplemented() -> RPCError {
    RPCError(code: .unimplemented, message: "The test's plc-bridge stub only streams WatchSafety.")
  }

  func requestPart(request: Workcell_Plc_V1_RequestPartRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_RequestPartResponse
  { throw Self.unimplemented() }

  func confirmPartTaken(request: Workcell_Plc_V1_ConfirmPartTakenRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_ConfirmPartTakenResponse
  { throw Self.unimplemented() }

  func clamp(request: Workcell_Plc_V1_ClampRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_ClampResponse
  { throw Self.unimplemented() }

  func fasten(request: Workcell_Plc_V1_FastenRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_FastenResponse
  { throw Self.unimplemented() }

  func releaseFixture(request: Workcell_Plc_V1_ReleaseFixtureRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_ReleaseFixtureResponse
  { throw Self.unimplemented() }

  func resetFault(request: Workcell_Plc_V1_ResetFaultRequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_ResetFaultResponse
  { throw Self.unimplemented() }

  func getIO(request: Workcell_Plc_V1_GetIORequest, context: ServerContext) async throws
    -> Workcell_Plc_V1_GetIOResponse
  { throw Self.unimplemented() }
}
