import GRPCCore
import SwiftProtobuf
import ServiceLifecycle
import SimulatedTime
import WholeBodyControl
import WorkcellProto

/// `workcell.control.v1.Control` for the one robot this process drives. Every request goes to the
/// loop through `ControllerHandle` (applied between two ticks); every answer reads the snapshot
/// the loop publishes after applying it.
struct ControlRPC: Workcell_Control_V1_Control.SimpleServiceProtocol {
  let handle: ControllerHandle
  let robot: Workcell_Common_V1_EquipmentRef
  let limits: JointLimits
  let safetyInput: Bool
  /// Bound on how long Stop waits for standstill (the controller's stop bound plus slack).
  let stopWait: Duration
  /// The fleet's clock (waits and the state stream's period run on it).
  var clock: any WorkcellClock = WallClock()

  private func check(_ ref: Workcell_Common_V1_EquipmentRef) throws {
    guard ref.robot.isEmpty || ref.robot == robot.robot else {
      throw RPCError(
        code: .notFound,
        message:
          "This control process drives robot '\(robot.robot)', not '\(ref.robot)'; each robot has its own control service."
      )
    }
  }

  private func state() -> Workcell_Control_V1_RobotState {
    ControlProtoMapping.state(handle.snapshot(), robot: robot, limits: limits, safetyInput: safetyInput)
  }

  func execute(
    request: RPCAsyncSequence<Workcell_Control_V1_ExecuteRequest, any Error>,
    response: RPCWriter<Workcell_Control_V1_ExecuteResponse>, context: ServerContext
  ) async throws {
    let stream = handle.nextStreamID()
    let (events, feed) = AsyncStream.makeStream(of: ExecuteEvent.self)
    try await handle.perform { .subscribe(stream: stream, events: feed, reply: $0) }
    defer { handle.post(.unsubscribe(stream: stream)) }
    let robotID = robot.robot
    let handle = handle
    try await cancelWhenGracefulShutdown {
      try await withThrowingTaskGroup { group in
        // Chunks in: each is applied by the loop before the next is read.
        group.addTask {
          for try await message in request {
            guard message.hasChunk else {
              throw RPCError(code: .invalidArgument, message: "An ExecuteRequest carries no chunk.")
            }
            let ref = message.chunk.robot
            guard ref.robot.isEmpty || ref.robot == robotID else {
              throw RPCError(
                code: .invalidArgument,
                message:
                  "Chunk \(message.chunk.chunkID) is for robot '\(ref.robot)'; this control process drives '\(robotID)'."
              )
            }
            let chunk = try ControlProtoMapping.chunk(message.chunk)
            try await handle.perform { .accept(chunk, stream: stream, reply: $0) }
          }
          feed.yield(.inputEnded)
        }
        // Progress out: until the client has sent its last chunk and every chunk is done.
        group.addTask {
          var running = Set<String>()
          var inputEnded = false
          for await event in events {
            switch event {
            case .accepted(let chunkID): running.insert(chunkID)
            case .inputEnded: inputEnded = true
            case .progress(let progress, let measuredAt):
              try await response.write(
                .with {
                  $0.progress = ControlProtoMapping.progress(progress, measuredAtUnixNanoseconds: measuredAt)
                })
              if progress.done { running.remove(progress.chunkID) }
            }
            if inputEnded && running.isEmpty { return }
          }
        }
        // Not waitForAll: that waits for every task before rethrowing, and the writer would wait
        // for chunks a refused reader never sends. The first error ends both.
        while try await group.next() != nil {}
      }
    }
  }

  func hold(request: Workcell_Control_V1_HoldRequest, context: ServerContext) async throws
    -> Workcell_Control_V1_HoldResponse
  {
    try check(request.robot)
    try await handle.perform { .hold(reply: $0) }
    return .with { $0.state = state() }
  }

  func home(request: Workcell_Control_V1_HomeRequest, context: ServerContext) async throws
    -> Workcell_Control_V1_HomeResponse
  {
    try check(request.robot)
    try await handle.perform { .home(reply: $0) }
    // Until there (the caller's deadline cancels this wait; homing itself goes on).
    while handle.snapshot().mode == .homing {
      do {
        try await clock.sleep(seconds: 0.01)
      } catch {
        throw RPCError(
          code: .deadlineExceeded, message: "Still homing when the caller's deadline passed; the robot keeps homing.")
      }
    }
    let snapshot = handle.snapshot()
    guard snapshot.mode == .holding else {
      throw RPCError(
        code: .aborted,
        message: "Homing did not finish: the controller is \(snapshot.mode)"
          + (snapshot.stopReason.isEmpty ? "." : " (\(snapshot.stopReason))."))
    }
    return .with { $0.state = state() }
  }

  func stop(request: Workcell_Control_V1_StopRequest, context: ServerContext) async throws
    -> Workcell_Control_V1_StopResponse
  {
    try check(request.robot)
    let category = try ControlProtoMapping.stopCategory(request.category)
    let reason = request.reason.isEmpty ? "stop \(category) requested" : "stop \(category): \(request.reason)"
    try await handle.perform { .stop(category, reason: reason, reply: $0) }
    // Until at standstill (bounded by the controller's stop bound; a stop in force stays latched).
    let deadline = clock.now().addingTimeInterval(Double(stopWait.components.seconds) + Double(stopWait.components.attoseconds) * 1e-18)
    while handle.snapshot().mode == .stopping, clock.now() < deadline {
      try? await clock.sleep(seconds: 0.005)
      if Task.isCancelled { break }
    }
    return .with { $0.state = state() }
  }

  func resume(request: Workcell_Control_V1_ResumeRequest, context: ServerContext) async throws
    -> Workcell_Control_V1_ResumeResponse
  {
    try check(request.robot)
    try await handle.perform { .resume(reply: $0) }
    return .with { $0.state = state() }
  }

  func getState(
    request: Workcell_Control_V1_GetStateRequest, context: ServerContext
  ) async throws -> Workcell_Control_V1_GetStateResponse {
    try check(request.robot)
    return .with { $0.state = state() }
  }

  func getTrace(
    request: Workcell_Control_V1_GetTraceRequest, context: ServerContext
  ) async throws -> Workcell_Control_V1_GetTraceResponse {
    try check(request.robot)
    func bound(_ has: Bool, _ timestamp: Google_Protobuf_Timestamp, _ name: String) throws -> UInt64? {
      guard has else { return nil }
      guard let ns = ControlProtoMapping.unixNanoseconds(timestamp) else {
        throw RPCError(code: .invalidArgument, message: "GetTrace: '\(name)' is not a valid time (seconds ≥ 0, nanos 0–999999999).")
      }
      return ns
    }
    let from = try bound(request.hasFrom, request.from, "from")
    let to = try bound(request.hasTo, request.to, "to")
    if let from, let to, from > to {
      throw RPCError(code: .invalidArgument, message: "GetTrace: 'from' is after 'to'.")
    }
    let (samples, truncated) = handle.trace(fromUnixNanoseconds: from, toUnixNanoseconds: to)
    return ControlProtoMapping.trace(samples, truncated: truncated, limits: limits)
  }

  func watchState(
    request: Workcell_Control_V1_WatchStateRequest, response: RPCWriter<Workcell_Control_V1_WatchStateResponse>,
    context: ServerContext
  ) async throws {
    try check(request.robot)
    guard request.maxRateHz >= 0, request.maxRateHz.isFinite else {
      throw RPCError(code: .invalidArgument, message: "max_rate_hz must be ≥ 0 (0 = 100 Hz), got \(request.maxRateHz).")
    }
    let rateHz = request.maxRateHz == 0 ? 100 : min(request.maxRateHz, 1000)
    let periodS = 1 / rateHz
    // Ends with the caller, or when the service drains. A participant of a simulated clock: the
    // state published at an instant is the loop's after that instant's tick.
    await cancelWhenGracefulShutdown {
      await clock.activity("control.\(robot.robot).watch-state") {
        while !Task.isCancelled {
          let snapshot = handle.snapshot()
          do {
            try await response.write(
              .with {
                $0.state = ControlProtoMapping.state(snapshot, robot: robot, limits: limits, safetyInput: safetyInput)
              })
          } catch { return }
          do { try await clock.sleep(untilNextMultipleOf: periodS) } catch { return }
        }
      }
    }
  }
}
