import Foundation
import SimulatedTime
import WorkcellRuntime
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NutPerception
import ServiceLifecycle
import WorkcellProto

/// Follows the sensor source's streams — every robot's feeder and fixture camera
/// (`WatchCameraFrames`) and its gripper's fingertips (`WatchTactile`) — and keeps the newest
/// frames in ``SensorFrames``. A stream that fails, ends or stays silent longer than
/// `streamIdle` is reopened after a backoff pause. Raw frames only: it never asks for ground truth.
final class SensorSubscriptions: Service, Sendable {
  /// One stream to follow.
  enum Stream: Sendable, Hashable {
    case camera(String)
    case tactile(robot: String, gripper: String)

    /// The name links and metrics use, e.g. `camera:left_feeder`, `tactile:left`.
    var name: String {
      switch self {
      case .camera(let id): "camera:\(id)"
      case .tactile(let robot, _): "tactile:\(robot)"
      }
    }
  }

  /// Why one attempt ended.
  private struct AttemptEnded: Error { let reason: String }

  let config: PerceptionConfig
  let frames: SensorFrames
  let metrics: PerceptionMetrics
  let logger: Logger
  let streams: [Stream]
  private let client: GRPCClient<FleetClientTransport>

  init(
    config: PerceptionConfig, frames: SensorFrames, metrics: PerceptionMetrics, logger: Logger,
    inProcessGRPC: InProcessGRPC? = nil
  ) throws {
    self.config = config
    self.frames = frames
    self.metrics = metrics
    self.logger = logger
    var streams: [Stream] = []
    for robot in config.robots {
      for camera in [robot.feederCamera, robot.fixtureCamera] where !streams.contains(.camera(camera)) {
        streams.append(.camera(camera))
      }
      streams.append(.tactile(robot: robot.robot, gripper: robot.gripper))
    }
    self.streams = streams
    // The connection's own reconnect backoff follows ours: its default (up to 2 min) would keep
    // every stream failing fast long after the source came back.
    var transport = HTTP2ClientTransport.Posix.Config.defaults
    transport.backoff = .init(
      initial: config.reconnect.initial, max: config.reconnect.maximum, multiplier: config.reconnect.multiplier,
      jitter: config.reconnect.jitter)
    client = GRPCClient(
      transport: try .to(port: config.source.port, inProcess: inProcessGRPC) {
        try HostPort.transport(target: Self.target(config.source), host: config.source.host, config: transport)
      },
      interceptors: (frames.clock as? SimulationClock).map { [SimTimeClientInterceptor(clock: $0)] } ?? [])
  }

  static func target(_ source: SensorSource) -> any ResolvableTarget {
    let isIPv4 = source.host.split(separator: ".").count == 4 && source.host.allSatisfy { $0.isNumber || $0 == "." }
    if isIPv4 { return ResolvableTargets.IPv4(addresses: [.init(host: source.host, port: source.port)]) }
    if source.host.contains(":") {
      return ResolvableTargets.IPv6(addresses: [.init(host: source.host, port: source.port)])
    }
    return ResolvableTargets.DNS(host: source.host, port: source.port)
  }

  func run() async throws {
    logger.info(
      "following the sensor source",
      metadata: ["sensors": "\(config.source)", "streams": "\(streams.map(\.name).joined(separator: ","))"])
    await withDiscardingTaskGroup { group in
      group.addTask { try? await self.client.runConnections() }
      for stream in streams {
        group.addTask { await self.follow(stream) }
      }
      try? await gracefulShutdown()
      client.beginGracefulShutdown()
      group.cancelAll()
    }
  }

  /// Opens `stream` again and again until cancelled.
  private func follow(_ stream: Stream) async {
    var logger = self.logger
    logger[metadataKey: "stream"] = "\(stream.name)"
    var backoff = ReconnectBackoff(config: config.reconnect)
    let up = metrics.linkUp(stream: stream.name)
    let reconnects = metrics.reconnects(stream: stream.name)
    up.set(0.0)
    while !Task.isCancelled {
      frames.updateLink(stream.name) { $0.phase = .connecting }
      let started = frames.clock.elapsed
      let reason: String
      var notStreamingYet = false
      do {
        try await attempt(stream, since: started, logger: logger)
        reason = "the sensor source ended the stream"
      } catch let ended as AttemptEnded {
        reason = ended.reason
      } catch let error as RPCError {
        if Task.isCancelled { break }
        reason = Self.describe(error, stream: stream)
        notStreamingYet = error.code == .failedPrecondition
      } catch {
        if Task.isCancelled { break }
        reason = "\(error)"
      }
      if Task.isCancelled { break }
      up.set(0.0)
      reconnects.increment()
      let link = frames.link(stream.name)
      let delivered = link.lastFrameAt.map { $0 >= started } ?? false
      if delivered { backoff.succeeded() }
      frames.updateLink(stream.name) { link in
        link.phase = .down
        link.lastError = reason
        link.failuresSinceFrame = delivered ? 1 : link.failuresSinceFrame + 1
      }
      let delay = backoff.nextDelay(unit: Double.random(in: 0..<1))
      let message: Logger.Message = "sensor stream down; reconnecting"
      let metadata: Logger.Metadata = [
        "sensors": "\(config.source)", "reason": "\(reason)",
        "retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
      ]
      // The first failure after frames, or the first at all, is news; the retries are not. A
      // source that has not started streaming yet (the world not Reset) before any frame ever
      // came is the fleet starting up, not a fault.
      if notStreamingYet, link.lastFrameAt == nil, backoff.failures == 1 {
        logger.info(message, metadata: metadata)
      } else if delivered || backoff.failures == 1 {
        logger.warning(message, metadata: metadata)
      } else {
        logger.debug(message, metadata: metadata)
      }
      try? await Task.sleep(for: delay)
    }
    up.set(0.0)
  }

  /// Fail fast while the source is down: the backoff loop retries, and Estimate says UNAVAILABLE.
  static var callOptions: CallOptions {
    var options = CallOptions.defaults
    options.waitForReady = false
    return options
  }

  /// One subscription: reads until the stream fails, ends, or stays silent past `streamIdle`.
  private func attempt(_ stream: Stream, since started: Duration, logger: Logger) async throws {
    let options = Self.callOptions
    let idle = config.streamIdle
    let frames = self.frames
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        switch stream {
        case .camera(let camera):
          try await self.readCamera(camera, stream: stream, options: options, logger: logger)
        case .tactile(let robot, let gripper):
          try await self.readTactile(robot: robot, gripper: gripper, stream: stream, options: options, logger: logger)
        }
        throw AttemptEnded(reason: "the sensor source ended the stream")
      }
      group.addTask {
        while true {
          try await frames.clock.sleep(seconds: ReconnectBackoff.seconds(idle / 4))
          let last = max(frames.link(stream.name).lastFrameAt ?? started, started)
          if frames.clock.elapsed - last > idle {
            throw AttemptEnded(
              reason: "no frame for \(ReconnectBackoff.seconds(idle)) s on an open stream (source paused or stuck)")
          }
        }
      }
      defer { group.cancelAll() }
      _ = try await group.next()
    }
  }

  private func readCamera(_ camera: String, stream: Stream, options: CallOptions, logger: Logger) async throws {
    let sensors = Workcell_Sim_V1_SimSensors.Client(wrapping: client)
    let received = metrics.received(source: "camera")
    let superseded = metrics.dropped(source: "camera", reason: "superseded")
    let malformed = metrics.dropped(source: "camera", reason: "malformed")
    try await sensors.watchCameraFrames(
      request: ClientRequest(message: .with { $0.camera = camera }), options: options
    ) { response in
      for try await message in response.messages {
        received.increment()
        let frame = message.frame
        do {
          guard frame.encoding == .gray8 else {
            throw PerceptionError(code: .invalidParameter, message: "pixel encoding \(frame.encoding) is not GRAY8")
          }
          let image = try GrayImage(
            widthPx: Int(frame.widthPx), heightPx: Int(frame.heightPx), pixels: [UInt8](frame.pixels))
          let model = PerceptionProtoMapping.cameraModel(frame.calibration)
          if self.frames.store(
            camera: camera, image: image, model: model, capturedAt: frame.capturedAt.date, sequence: frame.sequence)
          {
            superseded.increment()
          }
          self.delivered(stream, logger: logger)
        } catch {
          malformed.increment()
          logger.warning("camera frame dropped", metadata: ["camera": "\(camera)", "reason": "\(error)"])
        }
      }
    }
  }

  private func readTactile(
    robot: String, gripper: String, stream: Stream, options: CallOptions, logger: Logger
  ) async throws {
    let sensors = Workcell_Sim_V1_SimSensors.Client(wrapping: client)
    let received = metrics.received(source: "tactile")
    let superseded = metrics.dropped(source: "tactile", reason: "superseded")
    let malformed = metrics.dropped(source: "tactile", reason: "malformed")
    let fingerA = "\(gripper)/finger_a"
    let fingerB = "\(gripper)/finger_b"
    try await sensors.watchTactile(
      request: ClientRequest(
        message: .with {
          $0.robot = .with { $0.robot = robot }
          $0.gripper = gripper
          // Both fingertips of a sample in one message: half the messages for the same frames.
          $0.together = true
        }), options: options
    ) { response in
      for try await message in response.messages {
        for frame in message.frames.isEmpty ? [message.frame] : message.frames {
          let finger: SensorFrames.Finger
          switch frame.finger {
          case fingerA: finger = .a
          case fingerB: finger = .b
          default: continue  // the other hand's fingertips
          }
          received.increment()
          do {
            let pressures = try TactileFrame(
              rows: Int(frame.rows), cols: Int(frame.cols), pitchMm: frame.taxelPitchMm,
              pressuresKPa: frame.pressureKpa.map(Double.init))
            if self.frames.store(
              robot: robot, finger: finger, frame: pressures, capturedAt: frame.capturedAt.date, sequence: frame.sequence)
            {
              superseded.increment()
            }
            self.delivered(stream, logger: logger)
          } catch {
            malformed.increment()
            logger.warning("tactile frame dropped", metadata: ["finger": "\(frame.finger)", "reason": "\(error)"])
          }
        }
      }
    }
  }

  /// Marks `stream` delivering (and logs when it comes back).
  private func delivered(_ stream: Stream, logger: Logger) {
    var recovered = false
    var first = false
    frames.updateLink(stream.name) { link in
      recovered = link.phase != .streaming && link.failuresSinceFrame > 0
      first = link.phase != .streaming
      link.phase = .streaming
      link.failuresSinceFrame = 0
      link.lastFrameAt = frames.clock.elapsed
    }
    if first {
      metrics.linkUp(stream: stream.name).set(1.0)
      if recovered { logger.notice("sensor stream up again", metadata: ["sensors": "\(config.source)"]) }
    }
  }

  /// A stream's failure as a person can act on it.
  static func describe(_ error: RPCError, stream: Stream) -> String {
    switch error.code {
    case .unavailable:
      "cannot reach the sensor source (\(error.message)); check that cell-sim or the sensor gateway runs and --sensors names it"
    case .notFound:
      "the sensor source has no such sensor (\(error.message)); check --robot"
    case .failedPrecondition:
      "the sensor source is not streaming yet (\(error.message))"
    default:
      "\(error.code): \(error.message)"
    }
  }
}
