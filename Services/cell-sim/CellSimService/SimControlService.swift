import CellWorld
import Foundation
import GRPCCore
import SimulatedPLC
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// `workcell.sim.v1.SimControl`: Reset, rates, ground truth and the clock of the world model, and
/// fault injection for the world (spline phase, grip, magnet, glare, occlusion, tactile, push)
/// and for the simulated PLCs (feeder, fixture, e-stop chain).
struct SimControlService: Workcell_Sim_V1_SimControl.SimpleServiceProtocol {
  let plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint]
  let host: SimWorldHost

  func injectFault(
    request: Workcell_Sim_V1_InjectFaultRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_InjectFaultResponse {
    switch request.kind {
    case .feederJam, .hopperEmpty, .plcHeartbeatLoss, .torqueLow, .torqueHigh, .estop:
      break
    case .crossThread where host.withRun({ $0 == nil }):
      // Before a Reset the fixture decides alone, as the PLC-only cell-sim did.
      break
    case .unspecified:
      throw RPCError(code: .invalidArgument, message: "InjectFault needs a kind.")
    default:
      return try injectWorldFault(request)
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

  /// Arms a world fault: it strikes at the kind's next opportunity (docs/simulation.md).
  private func injectWorldFault(_ request: Workcell_Sim_V1_InjectFaultRequest) throws -> Workcell_Sim_V1_InjectFaultResponse {
    guard let kind = WorldFault(rawValue: request.kind.rawValue) else {
      throw RPCError(code: .invalidArgument, message: "Unknown fault kind \(request.kind).")
    }
    guard (0...1).contains(request.probability), request.magnitude >= 0 else {
      throw RPCError(
        code: .invalidArgument,
        message: "probability must be in [0, 1] and magnitude ≥ 0; got \(request.probability) and \(request.magnitude).")
    }
    return try host.withRun { run in
      guard run != nil else {
        throw RPCError(code: .failedPrecondition, message: "The simulated world has not started: call SimControl/Reset first.")
      }
      let robot = try SimProtoMapping.robotIndex(request.robot, robotCount: run!.world.robotCount)
      let durationS = request.hasDuration ? Double(request.duration.seconds) + Double(request.duration.nanos) * 1e-9 : nil
      run!.world.inject(
        FaultInjection(
          kind: kind, robot: robot, camera: request.camera.isEmpty ? nil : request.camera, magnitude: request.magnitude,
          probability: request.probability, durationS: durationS))
      let step = run!.world.stepIndex
      return .with {
        $0.faultID = "\(kind)-\(robot.map(SimProtoMapping.robotName) ?? "all")-\(step)"
        $0.armedAt = SimProtoMapping.timestamp(run!, step: step)
      }
    }
  }

  func watchClock(
    request: Workcell_Sim_V1_WatchClockRequest, response: RPCWriter<Workcell_Sim_V1_WatchClockResponse>,
    context: ServerContext
  ) async throws {
    guard request.maxRateHz >= 0 else {
      throw RPCError(code: .invalidArgument, message: "max_rate_hz must be ≥ 0, got \(request.maxRateHz).")
    }
    let rateHz = request.maxRateHz == 0 ? 100 : min(request.maxRateHz, 1000)
    let period = Duration.nanoseconds(Int64(1e9 / rateHz))
    var last: (UInt64, UInt64)?
    while !Task.isCancelled {
      let (tick, key): (Workcell_Sim_V1_SimClockTick, (UInt64, UInt64)) = host.withRun { run in
        (SimWorldHost.tick(run), (run?.generation ?? 0, run?.world.stepIndex ?? 0))
      }
      if last.map({ $0 != key }) ?? true {
        try await response.write(.with { $0.tick = tick })
        last = key
      }
      try await Task.sleep(for: period)
    }
  }

  func reset(request: Workcell_Sim_V1_ResetRequest, context: ServerContext) async throws -> Workcell_Sim_V1_ResetResponse {
    let given = request.config
    var config = CellWorldConfig.defaults
    switch given.robotCount {
    case 0, 2: config.robotCount = 2
    case 1: config.robotCount = 1
    default: throw RPCError(code: .invalidArgument, message: "robot_count must be 1 or 2 (0 = 2), got \(given.robotCount).")
    }
    guard given.targetRealTimeFactor >= 0, given.targetRealTimeFactor.isFinite else {
      throw RPCError(
        code: .invalidArgument,
        message: "target_real_time_factor must be ≥ 0 (0 = as fast as possible), got \(given.targetRealTimeFactor).")
    }
    if given.hasSensorRates {
      let rates = given.sensorRates
      if rates.hasCameraHz { config.cameraHz = try SimProtoMapping.sensorRate(rates.cameraHz, "camera_hz") }
      if rates.hasTactileHz { config.tactileHz = try SimProtoMapping.sensorRate(rates.tactileHz, "tactile_hz") }
      if rates.hasImuHz { config.imuHz = try SimProtoMapping.sensorRate(rates.imuHz, "imu_hz") }
    }
    for rate in given.failureRates {
      let (kind, probability) = try SimProtoMapping.worldRate(rate)
      config.failureRates[kind] = probability
    }
    let run = host.reset(
      seed: request.seed, config: config, targetRealTimeFactor: given.targetRealTimeFactor, lockStep: given.lockStep,
      startTime: given.hasStartTime ? given.startTime.date : Date())
    return .with { $0.tick = SimWorldHost.tick(run) }
  }

  func setRates(
    request: Workcell_Sim_V1_SetRatesRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_SetRatesResponse {
    let changes = try request.failureRates.map(SimProtoMapping.worldRate)
    let sensors = request.sensorRates
    let camera = sensors.hasCameraHz ? try SimProtoMapping.sensorRate(sensors.cameraHz, "camera_hz") : nil
    let tactile = sensors.hasTactileHz ? try SimProtoMapping.sensorRate(sensors.tactileHz, "tactile_hz") : nil
    let imu = sensors.hasImuHz ? try SimProtoMapping.sensorRate(sensors.imuHz, "imu_hz") : nil
    return try host.withRun { run in
      guard run != nil else {
        throw RPCError(code: .failedPrecondition, message: "The simulated world has not started: call SimControl/Reset first.")
      }
      for (kind, probability) in changes { run!.world.setRate(kind, probability: probability) }
      run!.world.setSensorRates(cameraHz: camera, tactileHz: tactile, imuHz: imu)
      let (sensorRates, failureRates) = SimProtoMapping.rates(run!.world.config)
      return .with {
        $0.sensorRates = sensorRates
        $0.failureRates = failureRates
      }
    }
  }

  func getGroundTruth(
    request: Workcell_Sim_V1_GetGroundTruthRequest, context: ServerContext
  ) async throws -> Workcell_Sim_V1_GetGroundTruthResponse {
    try host.withRun { run in
      guard let run else {
        throw RPCError(code: .failedPrecondition, message: "The simulated world has not started: call SimControl/Reset first.")
      }
      var robots = Array(0..<run.world.robotCount)
      if !request.robots.isEmpty {
        robots = try request.robots.compactMap { try SimProtoMapping.robotIndex($0, robotCount: run.world.robotCount) }
      }
      return .with {
        $0.tick = SimWorldHost.tick(run)
        $0.robots = robots.map { SimProtoMapping.truth(run.world.truth(robot: $0), robot: $0) }
      }
    }
  }
}
