import Foundation
import GRPCCore
import WorkcellProto

/// The cell's four peers as fakes that answer from a `FakeCell` script: what the RPCs the
/// sequencer calls return; every other RPC is UNIMPLEMENTED.

/// What a fake answers to an RPC the sequencer never calls.
let fakeUnimplemented = RPCError(code: .unimplemented, message: "The cell's fake peer does not serve this RPC.")

struct FakePerception: Workcell_Perception_V1_Perception.SimpleServiceProtocol {
  let cell: FakeCell

  func watchEstimates(
    request: Workcell_Perception_V1_WatchEstimatesRequest,
    response: RPCWriter<Workcell_Perception_V1_WatchEstimatesResponse>, context: ServerContext
  ) async throws { throw fakeUnimplemented }

  func estimate(
    request: Workcell_Perception_V1_EstimateRequest, context: ServerContext
  ) async throws -> Workcell_Perception_V1_EstimateResponse {
    cell.called("estimate")
    return .with { $0.estimate = cell.estimate(request.phase) }
  }

  func refine(
    request: Workcell_Perception_V1_RefineRequest, context: ServerContext
  ) async throws -> Workcell_Perception_V1_RefineResponse {
    cell.called("refine")
    return .with {
      $0.converged = !cell.script.slipping
      $0.iteration = request.iteration
      $0.estimate = cell.estimate(.graspCheck)
    }
  }
}

struct FakePolicy: Workcell_Policy_V1_Policy.SimpleServiceProtocol {
  static let version = "fake-policy-1"
  let cell: FakeCell

  func act(request: Workcell_Policy_V1_ActRequest, context: ServerContext) async throws -> Workcell_Policy_V1_ActResponse {
    cell.called("act")
    guard cell.script.policyAvailable else { throw RPCError(code: .unavailable, message: "fake policy is down") }
    if cell.script.policyRefuses { throw RPCError(code: .invalidArgument, message: "fake policy refuses the observation") }
    let observation = request.observation
    return .with {
      $0.chunk = .with {
        $0.robot = observation.robot
        $0.modelVersion = Self.version
        $0.observedAt = observation.observedAt
        $0.stepPeriodMs = 20
        $0.chunkID = UUID().uuidString
        $0.sequence = observation.sequence
        $0.jointNames = (1...7).map { "right_arm_joint_\($0)" }
        $0.gripperNames = ["right_gripper"]
        $0.steps = (0..<5).map { _ in
          .with {
            $0.jointPositionsRad = FakeCell.armJointsRad
            $0.gripperWidthsM = [0.045]
            $0.gripForcesN = [20]
          }
        }
        $0.phase = observation.phase
      }
    }
  }

  func session(
    request: RPCAsyncSequence<Workcell_Policy_V1_SessionRequest, any Error>,
    response: RPCWriter<Workcell_Policy_V1_SessionResponse>, context: ServerContext
  ) async throws { throw fakeUnimplemented }

  func listModels(
    request: Workcell_Policy_V1_ListModelsRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ListModelsResponse {
    .with { $0.activeVersion = Self.version }
  }

  func loadModel(
    request: Workcell_Policy_V1_LoadModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_LoadModelResponse { throw fakeUnimplemented }

  func activateModel(
    request: Workcell_Policy_V1_ActivateModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ActivateModelResponse { throw fakeUnimplemented }

  func shadowModel(
    request: Workcell_Policy_V1_ShadowModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ShadowModelResponse { throw fakeUnimplemented }

  func rollbackModel(
    request: Workcell_Policy_V1_RollbackModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_RollbackModelResponse { throw fakeUnimplemented }
}

struct FakeControl: Workcell_Control_V1_Control.SimpleServiceProtocol {
  let cell: FakeCell

  func execute(
    request: RPCAsyncSequence<Workcell_Control_V1_ExecuteRequest, any Error>,
    response: RPCWriter<Workcell_Control_V1_ExecuteResponse>, context: ServerContext
  ) async throws {
    for try await message in request {
      cell.called("execute")
      let chunk = message.chunk
      if let fault = cell.script.executeFault {
        cell.mode = .fault
        try await response.write(
          .with {
            $0.progress = .with {
              $0.chunkID = chunk.chunkID
              $0.done = true
              $0.reason = .fault
              $0.detail = fault
            }
          })
      } else {
        if let width = chunk.steps.last?.gripperWidthsM.first { cell.gripperWidthM = width }
        try await response.write(
          .with {
            $0.progress = .with {
              $0.chunkID = chunk.chunkID
              $0.done = true
              $0.reason = .completed
            }
          })
      }
    }
  }

  func hold(request: Workcell_Control_V1_HoldRequest, context: ServerContext) async throws -> Workcell_Control_V1_HoldResponse {
    .with { $0.state = cell.robotState() }
  }

  func home(request: Workcell_Control_V1_HomeRequest, context: ServerContext) async throws -> Workcell_Control_V1_HomeResponse {
    cell.called("home")
    return .with { $0.state = cell.robotState() }
  }

  func stop(request: Workcell_Control_V1_StopRequest, context: ServerContext) async throws -> Workcell_Control_V1_StopResponse {
    .with { $0.state = cell.robotState() }
  }

  func resume(
    request: Workcell_Control_V1_ResumeRequest, context: ServerContext
  ) async throws -> Workcell_Control_V1_ResumeResponse { .with { $0.state = cell.robotState() } }

  func watchState(
    request: Workcell_Control_V1_WatchStateRequest, response: RPCWriter<Workcell_Control_V1_WatchStateResponse>,
    context: ServerContext
  ) async throws { throw fakeUnimplemented }

  func getState(
    request: Workcell_Control_V1_GetStateRequest, context: ServerContext
  ) async throws -> Workcell_Control_V1_GetStateResponse { .with { $0.state = cell.robotState() } }

  func getTrace(
    request: Workcell_Control_V1_GetTraceRequest, context: ServerContext
  ) async throws -> Workcell_Control_V1_GetTraceResponse { .init() }
}

struct FakePlcBridge: Workcell_Plc_V1_PlcBridge.SimpleServiceProtocol {
  let cell: FakeCell

  func requestPart(
    request: Workcell_Plc_V1_RequestPartRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_RequestPartResponse {
    cell.called("requestPart")
    switch cell.script.requestPartRefusal {
    case .failedPrecondition?: throw RPCError(code: .failedPrecondition, message: "feeder faulted (fake)")
    case .unavailable?: throw RPCError(code: .unavailable, message: "feeder PLC unreachable (fake)")
    case nil: return .init()
    }
  }

  func confirmPartTaken(
    request: Workcell_Plc_V1_ConfirmPartTakenRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ConfirmPartTakenResponse {
    cell.called("confirmPartTaken")
    return .init()
  }

  func clamp(request: Workcell_Plc_V1_ClampRequest, context: ServerContext) async throws -> Workcell_Plc_V1_ClampResponse {
    cell.called("clamp")
    return .with {
      $0.nutSeated = cell.script.clampSeated
      $0.clamped = cell.script.clampSeated
    }
  }

  func fasten(request: Workcell_Plc_V1_FastenRequest, context: ServerContext) async throws -> Workcell_Plc_V1_FastenResponse {
    cell.called("fasten")
    let fault = cell.script.fastenFault
    return .with {
      $0.ok = fault == nil
      $0.torqueNm = fault == nil ? 12.5 : 4.0
      $0.angleDeg = 540
      $0.faultCode = fault ?? .unspecified
    }
  }

  func releaseFixture(
    request: Workcell_Plc_V1_ReleaseFixtureRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ReleaseFixtureResponse {
    cell.called("releaseFixture")
    return .init()
  }

  func resetFault(
    request: Workcell_Plc_V1_ResetFaultRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ResetFaultResponse { .init() }

  /// Reports the left side's chain now and whenever the script's state changes it.
  func watchSafety(
    request: Workcell_Plc_V1_WatchSafetyRequest, response: RPCWriter<Workcell_Plc_V1_WatchSafetyResponse>,
    context: ServerContext
  ) async throws {
    var reported: Bool?
    while !Task.isCancelled {
      let estopOK = cell.estopOK
      if estopOK != reported {
        reported = estopOK
        try await response.write(
          .with {
            $0.event = .with {
              $0.sides = [
                .with {
                  $0.side = .left
                  $0.estopOk = estopOK
                }
              ]
            }
          })
      }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  func getIO(request: Workcell_Plc_V1_GetIORequest, context: ServerContext) async throws -> Workcell_Plc_V1_GetIOResponse {
    .with {
      $0.side = request.side
      $0.devices = [
        .with {
          $0.device = .fixture
          $0.points = [
            .with {
              $0.name = "NUT_SEATED"
              $0.value = cell.script.nutSeated ? 1 : 0
            }
          ]
        }
      ]
    }
  }
}
