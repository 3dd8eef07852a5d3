import ServiceLifecycle
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime

/// control: the 1 kHz whole-body controller of one robot — tracks action chunks within joint,
/// velocity, torque and balance limits, and stops safely on stale commands or e-stop.
public enum ControlService: FleetService {
  public typealias Options = ControlOptions
  public static let name = "control"
  public static let abstract = "Whole-body control of one robot: tracks action chunks within limits at 1 kHz."
  public static let discussion = """
    Serves workcell.control.v1.Control for one robot (--robot) and drives it over the UDP joint \
    bus (--joint-bus HOST:PORT, docs/joint-bus.md) from a dedicated 1 kHz thread running \
    Shared/WholeBodyControl. Execute streams chunks in and progress out; Hold, Home, Stop \
    (IEC 60204-1 categories, latched) and Resume supervise; WatchState streams joints, grippers, \
    CoM, balance margin, mode and safety. --plc-bridge follows plc-bridge's WatchSafety as the \
    e-stop input. See docs/control.md. Example: control --robot left --joint-bus 127.0.0.1:7000 \
    --plc-bridge 127.0.0.1:50064.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let config = try options.resolve(environment: context.environment, plantCell: context.plantCell)
    var logger = context.logger
    logger[metadataKey: "robot"] = "\(config.robotID)"
    if let cell = context.plantCell { logger[metadataKey: "cell"] = "\(cell.id)" }
    var controllerConfig = WholeBodyController.Config.defaults
    controllerConfig.busTimeoutNanoseconds = UInt64(config.busTimeoutMs) * 1_000_000
    let handle = ControllerHandle(tracing: config.trace)
    let metrics = ControlMetrics(registry: context.metrics, robot: config.robotID)
    var background: [any Service] = []
    if let bus = config.jointBus {
      let link = try JointBusLink(bus)
      background.append(
        ControlLoop(
          link: link, robotIndex: config.robotIndex, clock: config.clock, config: controllerConfig, handle: handle,
          metrics: metrics, logger: logger, hub: context.jointBusHub, realtimePriority: config.realtimePriority,
          unixNow: { [clock = context.clock] in UInt64(max(0, clock.now().timeIntervalSince1970 * 1e9)) }))
    } else {
      _ = handle.loopStopped(why: "No joint bus is configured; start control with --joint-bus HOST:PORT.")
      logger.warning(
        "no joint bus configured (--joint-bus): the robot is not driven; every command answers UNAVAILABLE")
    }
    if let plc = config.plcBridge {
      background.append(PlcSafetyInput(address: plc, handle: handle, logger: logger, inProcessGRPC: context.inProcess?.grpc))
    } else {
      logger.warning("no PLC safety input (--plc-bridge): e-stops reach this robot only through its own hardware")
    }
    let robot = Workcell_Common_V1_EquipmentRef.with {
      $0.robot = config.robotID
      if let cell = context.plantCell { $0.cell = cell.id }
    }
    let stopWait = Duration.nanoseconds(Int64(controllerConfig.controlledStopBoundNanoseconds)) + .seconds(1)
    return ServiceParts(
      rpcServices: [
        .init(
          name: Workcell_Control_V1_Control.descriptor.fullyQualifiedService,
          service: ControlRPC(
            handle: handle, robot: robot, limits: controllerConfig.limits, safetyInput: config.plcBridge != nil,
            stopWait: stopWait, clock: context.clock))
      ],
      backgroundServices: background)
  }
}
