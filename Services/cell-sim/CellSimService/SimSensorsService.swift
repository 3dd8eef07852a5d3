import CellWorld
import Foundation
import GRPCCore
import SimulatedTime
import WorkcellProto

/// `workcell.sim.v1.SimSensors`: the world's cameras, fingertip arrays and IMUs as streams, each
/// frame sent once, at the rate the world samples it (a slow reader gets the latest frames).
struct SimSensorsService: Workcell_Sim_V1_SimSensors.SimpleServiceProtocol {
  let host: SimWorldHost
  /// The fleet's clock: each stream sleeps on it until the sensor's next sample is due.
  var clock: any WorkcellClock = WallClock()
  /// The shortest wait between two looks for a new sample.
  static let pollIntervalS = 0.002
  /// How long a stream whose sensor is off waits before it looks again.
  static let offIntervalS = 0.1

  /// Sleeps until the sensor sampled at `hz` takes its next sample (at least a poll interval;
  /// a sensor that is off is looked at again later). On a simulated clock the stream is a
  /// participant that wakes exactly when its sample exists (docs/simulation.md).
  private func sleepUntilNextSample(hz: (CellWorld) -> Double) async throws {
    let next: Date? = host.withRun { run in
      guard let run, let step = run.world.nextSampleStep(hz: hz(run.world)) else { return nil }
      return SimWorldHost.date(run, step: step)
    }
    let earliest = clock.now().addingTimeInterval(Self.pollIntervalS)
    try await clock.sleep(until: next.map { max($0, earliest) } ?? clock.now().addingTimeInterval(Self.offIntervalS))
  }

  private func requireRun() throws -> Int {
    guard let count = host.withRun({ $0?.world.robotCount }) else {
      throw RPCError(code: .failedPrecondition, message: "The simulated world has not started: call SimControl/Reset first.")
    }
    return count
  }

  func watchCameraFrames(
    request: Workcell_Sim_V1_WatchCameraFramesRequest, response: RPCWriter<Workcell_Sim_V1_WatchCameraFramesResponse>,
    context: ServerContext
  ) async throws {
    _ = try requireRun()
    let ids = host.withRun { run in run!.world.cameras.map(\.id) }
    guard let index = ids.firstIndex(of: request.camera) else {
      throw RPCError(
        code: .notFound, message: "Camera '\(request.camera)' is not in the simulated cell; it has \(ids.joined(separator: ", ")).")
    }
    var seen: (generation: UInt64, sequence: UInt64) = (0, 0)
    try await clock.activity("sim.camera.\(request.camera)") {
    while !Task.isCancelled {
      let frame: Workcell_Sim_V1_CameraFrame? = host.withRun { run in
        // A Reset may have changed the cell (one robot instead of two): then the camera is gone.
        guard let run, index < run.world.cameras.count, run.world.cameras[index].id == request.camera else { return nil }
        let sequence = run.world.cameraSequence(index)
        guard sequence > 0, (run.generation, sequence) != seen else { return nil }
        seen = (run.generation, sequence)
        let view = run.world.cameras[index]
        let pixels = run.world.cameraPixels(index)
        let step = run.world.cameraStep(index)
        return .with {
          $0.camera = view.id
          $0.sequence = sequence - 1
          $0.widthPx = UInt32(CameraView.widthPx)
          $0.heightPx = UInt32(CameraView.heightPx)
          $0.encoding = .gray8
          $0.pixels = Data(pixels)
          $0.capturedAt = SimProtoMapping.timestamp(run, step: step)
          $0.simTime = SimProtoMapping.duration(seconds: Double(step) * CellWorld.stepS)
          $0.calibration = SimProtoMapping.calibration(view)
        }
      }
      if let frame {
        try await response.write(.with { $0.frame = frame })
      } else {
        try await sleepUntilNextSample { $0.config.cameraHz }
      }
    }
    }
  }

  func watchTactile(
    request: Workcell_Sim_V1_WatchTactileRequest, response: RPCWriter<Workcell_Sim_V1_WatchTactileResponse>,
    context: ServerContext
  ) async throws {
    let count = try requireRun()
    guard let robot = try SimProtoMapping.robotIndex(request.robot, robotCount: count) else {
      throw RPCError(code: .invalidArgument, message: "WatchTactile needs a robot (left or right).")
    }
    var fingers = Array(TactileArray.fingers.indices)
    if !request.finger.isEmpty {
      guard let finger = TactileArray.fingers.firstIndex(of: request.finger) else {
        throw RPCError(
          code: .notFound,
          message: "Finger '\(request.finger)' is not on the robot; it has \(TactileArray.fingers.joined(separator: ", ")).")
      }
      fingers = [finger]
    }
    if !request.gripper.isEmpty {
      fingers = fingers.filter { TactileArray.fingers[$0].hasPrefix(request.gripper + "/") }
      guard !fingers.isEmpty else {
        let grippers = Set(TactileArray.fingers.map { $0.split(separator: "/")[0] }).sorted()
        throw RPCError(
          code: .notFound,
          message: request.finger.isEmpty
            ? "Gripper '\(request.gripper)' is not on the robot; it has \(grippers.joined(separator: ", "))."
            : "Finger '\(request.finger)' is not on gripper '\(request.gripper)'.")
      }
    }
    var seen: (generation: UInt64, sequence: UInt64) = (0, 0)
    try await clock.activity("sim.tactile.\(robot).\(request.finger.isEmpty ? request.gripper : request.finger)") {
    while !Task.isCancelled {
      let frames: [Workcell_Sim_V1_TactileFrame] = host.withRun { run in
        guard let run, robot < run.world.robotCount else { return [] }
        let sequence = run.world.tactileSequence(robot: robot)
        guard sequence > 0, (run.generation, sequence) != seen else { return [] }
        seen = (run.generation, sequence)
        let step = run.world.tactileStep(robot: robot)
        return fingers.map { finger in
          .with {
            $0.robot = SimProtoMapping.ref(robot)
            $0.finger = TactileArray.fingers[finger]
            $0.sequence = sequence - 1
            $0.rows = UInt32(TactileArray.rows)
            $0.cols = UInt32(TactileArray.cols)
            $0.taxelPitchMm = TactileArray.pitchMm
            $0.pressureKpa = Array(run.world.tactilePressureKPa(robot: robot, finger: finger))
            $0.capturedAt = SimProtoMapping.timestamp(run, step: step)
            $0.simTime = SimProtoMapping.duration(seconds: Double(step) * CellWorld.stepS)
          }
        }
      }
      if frames.isEmpty {
        try await sleepUntilNextSample { $0.config.tactileHz }
        continue
      }
      if request.together {
        try await response.write(.with { $0.frames = frames })
      } else {
        for frame in frames { try await response.write(.with { $0.frame = frame }) }
      }
    }
    }
  }

  func watchImu(
    request: Workcell_Sim_V1_WatchImuRequest, response: RPCWriter<Workcell_Sim_V1_WatchImuResponse>,
    context: ServerContext
  ) async throws {
    let count = try requireRun()
    guard let robot = try SimProtoMapping.robotIndex(request.robot, robotCount: count) else {
      throw RPCError(code: .invalidArgument, message: "WatchImu needs a robot (left or right).")
    }
    var seen: (generation: UInt64, sequence: UInt64) = (0, 0)
    try await clock.activity("sim.imu.\(robot)") {
    while !Task.isCancelled {
      let sample: Workcell_Sim_V1_ImuSample? = host.withRun { run in
        guard let run, robot < run.world.robotCount else { return nil }
        let imu = run.world.imuSample(robot: robot)
        guard imu.sequence > 0, (run.generation, imu.sequence) != seen else { return nil }
        seen = (run.generation, imu.sequence)
        return .with {
          $0.robot = SimProtoMapping.ref(robot)
          $0.linearAccelerationMPerS2 = SimProtoMapping.vector(imu.specificForceMPerS2)
          $0.angularVelocityRadPerS = SimProtoMapping.vector(imu.angularRateRadPerS)
          $0.orientation = SimProtoMapping.quaternion(imu.orientation)
          $0.capturedAt = SimProtoMapping.timestamp(run, step: imu.step)
          $0.simTime = SimProtoMapping.duration(seconds: Double(imu.step) * CellWorld.stepS)
        }
      }
      if let sample {
        try await response.write(.with { $0.sample = sample })
      } else {
        try await sleepUntilNextSample { $0.config.imuHz }
      }
    }
    }
  }
}
