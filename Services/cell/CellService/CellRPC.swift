import CycleSequencing
import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// workcell.cell.v1.Cell over the sequencer.
struct CellRPC: Workcell_Cell_V1_Cell.SimpleServiceProtocol {
  let sequencer: CellSequencer
  let logger: Logger

  func start(request: Workcell_Cell_V1_StartRequest, context: ServerContext) async throws
    -> Workcell_Cell_V1_StartResponse
  {
    let robots = try chosen(request.robots)
    for robot in robots {
      let slot = sequencer.slots[robot.id]!
      let faulted = slot.snapshot.runState == .faulted
      do {
        try await sequencer.prepare(robot, faulted: faulted)
      } catch {
        throw RPCError(
          code: .failedPrecondition,
          message: "Robot '\(robot.id)' cannot start\(faulted ? " (faulted: \(slot.snapshot.faultReason ?? "unknown"))" : ""): \(error). "
            + "Clear the cause (e-stop released, PLC fault fixed), then Start again.")
      }
      switch slot.snapshot.runState {
      case .stopping:
        throw RPCError(code: .failedPrecondition, message: "Robot '\(robot.id)' is still stopping; Start once it is idle.")
      default: slot.start(cycleLimit: request.cycleLimit)
      }
    }
    logger.notice("start", metadata: ["robots": "\(robots.map(\.id))", "cycle_limit": "\(request.cycleLimit)"])
    let statuses = await status(of: robots)
    return .with { $0.robots = statuses }
  }

  func pause(request: Workcell_Cell_V1_PauseRequest, context: ServerContext) async throws
    -> Workcell_Cell_V1_PauseResponse
  {
    let robots = try chosen(request.robots)
    for robot in robots { sequencer.slots[robot.id]!.pause() }
    logger.notice("pause", metadata: ["robots": "\(robots.map(\.id))"])
    let statuses = await status(of: robots)
    return .with { $0.robots = statuses }
  }

  func stop(request: Workcell_Cell_V1_StopRequest, context: ServerContext) async throws -> Workcell_Cell_V1_StopResponse {
    let robots = try chosen(request.robots)
    for robot in robots { sequencer.slots[robot.id]!.stop(abort: request.abortCycles) }
    logger.notice("stop", metadata: ["robots": "\(robots.map(\.id))", "abort_cycles": "\(request.abortCycles)"])
    let statuses = await status(of: robots)
    return .with { $0.robots = statuses }
  }

  func getStatus(request: Workcell_Cell_V1_GetStatusRequest, context: ServerContext) async throws
    -> Workcell_Cell_V1_GetStatusResponse
  {
    let statuses = await status(of: sequencer.config.robots)
    return .with {
      $0.cell = .with {
        $0.plant = sequencer.config.plant
        $0.line = sequencer.config.line
        $0.cell = sequencer.config.cell
        $0.station = sequencer.config.station
      }
      $0.robots = statuses
      if let oldest = sequencer.outboxOldest { $0.outboxOldestAt = Google_Protobuf_Timestamp(date: oldest) }
      $0.idealCycleMs = UInt32(clamping: sequencer.config.idealCycleMs)
    }
  }

  func watchCycles(
    request: Workcell_Cell_V1_WatchCyclesRequest, response: RPCWriter<Workcell_Cell_V1_WatchCyclesResponse>,
    context: ServerContext
  ) async throws {
    let robots = try chosen(request.robots)
    let (records, cancel) = sequencer.watch(robots: Set(request.robots.isEmpty ? [] : robots.map(\.id)))
    defer { cancel() }
    for await record in records {
      try await response.write(.with { $0.cycle = record })
    }
  }

  /// The robots a request names (all when none), or INVALID_ARGUMENT naming the unknown one.
  private func chosen(_ ids: [String]) throws -> [CellConfig.Robot] {
    let all = sequencer.config.robots
    if ids.isEmpty { return all }
    return try ids.map { id in
      guard let robot = all.first(where: { $0.id == id }) else {
        throw RPCError(
          code: .invalidArgument,
          message: "Unknown robot '\(id)'; this cell has \(all.map(\.id).joined(separator: ", ")).")
      }
      return robot
    }
  }

  /// Each robot's status, with control's state read now.
  private func status(of robots: [CellConfig.Robot]) async -> [Workcell_Cell_V1_RobotStatus] {
    var statuses: [Workcell_Cell_V1_RobotStatus] = []
    for robot in robots {
      statuses.append(status(robot, state: await sequencer.feeds[robot.id]?.current()))
    }
    return statuses
  }

  private func status(_ robot: CellConfig.Robot, state: Workcell_Control_V1_RobotState?) -> Workcell_Cell_V1_RobotStatus {
    let s = sequencer.slots[robot.id]!.snapshot
    return .with {
      $0.robot = robot.id
      $0.side = robot.side
      $0.runState =
        switch s.runState {
        case .idle: .idle
        case .running: .running
        case .pausing: .pausing
        case .paused: .paused
        case .stopping: .stopping
        case .faulted: .faulted
        }
      if let step = s.step { $0.step = Workcell_Common_V1_CycleStep(step) }
      if let started = s.stepStartedAt { $0.stepStartedAt = Google_Protobuf_Timestamp(date: started) }
      $0.cycleID = s.cycleID ?? ""
      $0.cyclesDone = s.cyclesDone
      $0.cyclesOk = s.cyclesOK
      if let outcome = s.lastOutcome { $0.lastOutcome = Workcell_Common_V1_CycleOutcome(outcome) }
      if let failure = s.lastFailure { $0.lastFailureCode = Workcell_Common_V1_FailureCode(failure) }
      $0.lastCycleMs = UInt32(clamping: s.lastCycleMs)
      $0.outboxDepth = UInt32(clamping: sequencer.outboxDepth(robot.id))
      if let state {
        $0.safety = state.safety
      } else {
        $0.safety = .with { $0.estopOk = sequencer.safety.estopOK(robot.side) }
      }
      if let reason = s.faultReason ?? s.waitingFor { $0.safety.reason = reason }
    }
  }
}
