import GRPCCore
import SimulatedPLC
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// `workcell.sim.v1.SimControl`, as far as the simulated PLCs reach: fault injection for the
/// feeder, the fixture and the e-stop chain. The world model's controls (reset, rates, ground
/// truth, clock) are built by issue #5 and answer UNIMPLEMENTED until then.
struct SimControlService: Workcell_Sim_V1_SimControl.SimpleServiceProtocol {
  let plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint]
  private let pending = PendingRPCService(
    serviceName: Workcell_Sim_V1_SimControl.descriptor.fullyQualifiedService, methods: [],
    plannedIn: "issue #5 (cell-sim: the simulated cell)")

  func injectFault(
    request: Workcell_Sim_V1_InjectFaultRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_InjectFaultResponse {
    switch request.kind {
    case .feederJam, .hopperEmpty, .plcHeartbeatLoss, .crossThread, .torqueLow, .torqueHigh, .estop:
      break
    case .unspecified:
      throw RPCError(code: .invalidArgument, message: "InjectFault needs a kind.")
    default:
      throw RPCError(
        code: .unimplemented,
        message: "Fault kind \(request.kind) needs the world model, which belongs to issue #5 (cell-sim: the simulated cell); "
          + "the simulated PLCs take feeder_jam, hopper_empty, plc_heartbeat_loss, cross_thread, torque_low, torque_high and estop.")
    }
    guard let plc = plcs[request.side] else {
      throw RPCError(
        code: .invalidArgument,
        message: "Side \(request.side) has no simulated PLC; this cell-sim has \(plcs.keys.map { "\($0)" }.sorted().joined(separator: ", ")).")
    }
    let magnitude = request.magnitude
    plc.update { feeder, fixture, now in
      switch request.kind {
      case .feederJam: feeder.injectJam()
      case .hopperEmpty: feeder.emptyHopper()
      case .plcHeartbeatLoss:
        feeder.loseHeartbeat()
        fixture.loseHeartbeat()
      case .crossThread: fixture.arm(.crossThread)
      case .torqueLow: fixture.arm(.torqueLow(magnitude > 0 ? magnitude : 8.0))
      case .torqueHigh: fixture.arm(.torqueHigh(magnitude > 0 ? magnitude : 17.0))
      case .estop:
        feeder.setEstop(ok: false, now: now)
        fixture.setEstop(ok: false, now: now)
      default: break
      }
    }
    if request.kind == .estop {
      let duration = request.hasDuration
        ? Duration.seconds(request.duration.seconds) + .nanoseconds(Int64(request.duration.nanos))
        : Duration.zero
      plc.closeEstopChain(after: duration)
    }
    return .with {
      $0.faultID = "\(request.kind)-\(request.side)-\(plc.now.components.seconds)"
      $0.armedAt = Google_Protobuf_Timestamp(date: .now)
    }
  }

  func watchClock(
    request: Workcell_Sim_V1_WatchClockRequest, response: RPCWriter<Workcell_Sim_V1_WatchClockResponse>,
    context: ServerContext
  ) async throws {
    throw pending.unimplementedError(for: Workcell_Sim_V1_SimControl.Method.WatchClock.descriptor)
  }

  func reset(request: Workcell_Sim_V1_ResetRequest, context: ServerContext) async throws -> Workcell_Sim_V1_ResetResponse {
    throw pending.unimplementedError(for: Workcell_Sim_V1_SimControl.Method.Reset.descriptor)
  }

  func setRates(
    request: Workcell_Sim_V1_SetRatesRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_SetRatesResponse {
    throw pending.unimplementedError(for: Workcell_Sim_V1_SimControl.Method.SetRates.descriptor)
  }

  func getGroundTruth(
    request: Workcell_Sim_V1_GetGroundTruthRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_GetGroundTruthResponse {
    throw pending.unimplementedError(for: Workcell_Sim_V1_SimControl.Method.GetGroundTruth.descriptor)
  }
}
