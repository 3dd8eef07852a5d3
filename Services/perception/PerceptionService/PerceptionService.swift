import WorkcellProto
import SimulatedTime
import WorkcellRuntime

/// perception: turns raw sensor frames (cameras, fingertip tactile arrays) into a fused state
/// estimate of the nut and the grasp, with a confidence per modality, for each robot of a cell.
public enum PerceptionService: FleetService {
  public typealias Options = PerceptionOptions
  public static let name = "perception"
  public static let abstract = "Fuses camera and tactile frames into nut and grasp estimates per robot."
  public static let discussion = """
    Serves workcell.perception.v1.Perception from raw sensor frames only: it follows the sensor \
    source's camera and fingertip streams (workcell.sim.v1.SimSensors: cell-sim, or a gateway \
    speaking it; --sensors), reconnecting with backoff, keeps the newest frame per camera and \
    gripper, and runs NutPerception on the frames an estimate needs (docs/perception.md). \
    Estimate waits within the caller's deadline for frames captured after captured_after; the \
    step picks the camera (feeder for PERCEIVE_PART, fixture for ALIGN/INSERT) or touch \
    (GRASP_CHECK). Joint torques are not on the sensor streams: JOINT_TORQUE reports 0 \
    (SENSOR_FAULT). It never reads ground truth.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let config = try options.resolve(environment: context.environment)
    let metrics = PerceptionMetrics(registry: context.metrics)
    let frames = SensorFrames(clock: context.clock)
    var subscriptionLogger = context.logger
    subscriptionLogger[metadataKey: "component"] = "sensors"
    let subscriptions = try SensorSubscriptions(
      config: config, frames: frames, metrics: metrics, logger: subscriptionLogger, inProcessGRPC: context.inProcess?.grpc)
    let estimator = RobotEstimator(config: config, frames: frames, metrics: metrics)
    context.logger.info(
      "perception configured",
      metadata: [
        "sensors": "\(config.source)",
        "robots":
          "\(config.robots.map { "\($0.robot)=\($0.feederCamera),\($0.fixtureCamera),\($0.gripper)" }.joined(separator: ";"))",
        "max_frame_age_ms": "\(Int(ReconnectBackoff.seconds(config.maxFrameAge) * 1000))",
        "tactile_refinement": "\(config.tactileNet.map { "learned \($0.version)" } ?? "analytic")",
      ])
    let streamNames = subscriptions.streams.map(\.name)
    return ServiceParts(
      rpcServices: [
        .init(
          name: Workcell_Perception_V1_Perception.descriptor.fullyQualifiedService,
          service: PerceptionRPC(
            config: config, estimator: estimator, frames: frames, metrics: metrics, logger: context.logger))
      ],
      backgroundServices: [subscriptions],
      readinessProblem: {
        // Ready while any stream delivers: a one-robot cell leaves the other robot's streams down.
        guard !streamNames.contains(where: { frames.link($0).phase == .streaming }) else { return nil }
        return "no sensor stream delivering from \(config.source) (\(streamNames.joined(separator: ", ")))"
      })
  }
}
