import ArgumentParser
import GRPCCore
import Hummingbird
import Logging
import PlantConfig
import Prometheus
import ServiceLifecycle
import JointBus
import SimulatedTime

/// One service of the fleet (perception, policy, control, plc-bridge, cell, yield, cell-sim):
/// what it is called, its own flags, and how to build its parts. The runtime adds the rest:
/// gRPC server, `grpc.health.v1`, `/metrics`, logging and graceful shutdown.
public protocol FleetService: Sendable {
  /// The service's own flags (beyond the runtime's). With `workcell serve` they take their
  /// defaults and `WORKCELL_*` environment values.
  associatedtype Options: ParsableArguments & Sendable

  /// The executable's name, which is also its key in the fleet port plan, e.g. `plc-bridge`.
  static var name: String { get }
  /// One line for `--help`.
  static var abstract: String { get }
  /// More for `--help`: what the service does and which issue builds it out.
  static var discussion: String { get }

  /// Builds the service's parts. Runs before any server starts; throws to refuse to start
  /// (with an error a person can act on).
  static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts
}

extension FleetService {
  public static var discussion: String { "" }
}

/// Flags for a service that has none of its own yet.
public struct NoServiceOptions: ParsableArguments, Sendable {
  public init() {}
}

/// What the runtime hands a service while it is built.
public struct ServiceContext: Sendable {
  /// The service's name, e.g. `perception`.
  public var serviceName: String
  /// A logger carrying `service` metadata; pass it down explicitly.
  public var logger: Logger
  /// The registry behind this service's `/metrics`.
  public var metrics: PrometheusCollectorRegistry
  /// The same registry as a swift-metrics factory, for libraries that take one.
  public var metricsFactory: PrometheusMetricsFactory
  /// The process environment (for `WORKCELL_*` settings).
  public var environment: [String: String]
  /// The address the service's servers listen on (`--host`), for servers a service adds.
  public var host: String
  /// The plant file (`--plant-config`), if the process was given one. A service reads its part
  /// of it; its own flags and `WORKCELL_*` variables override what the file says.
  public var plant: PlantConfiguration?
  /// The cell of the plant file this process serves (`--cell`, or the plant's only cell).
  public var plantCell: PlantConfiguration.Cell?
  /// The clock the service reads and waits on: the host's, or a simulation's when the whole
  /// fleet runs in one process on simulated time (`workcell demo`; docs/simulation.md).
  public var clock: any WorkcellClock
  /// Where a simulated world and the robots' controllers meet when both run in this process
  /// (`workcell demo`): one call per tick instead of the UDP joint bus. nil: the bus.
  public var jointBusHub: JointBusHub?
  /// The peers and PLCs served in this process (`workcell demo`): their gRPC hops and Modbus
  /// requests stay in process (`HostPort.grpcClient(clock:inProcess:)`). nil: the network.
  public var inProcess: InProcessFleet?

  public init(
    serviceName: String, logger: Logger, metrics: PrometheusCollectorRegistry,
    environment: [String: String], host: String = "127.0.0.1", plant: PlantSelection? = nil,
    clock: any WorkcellClock = WallClock(), jointBusHub: JointBusHub? = nil, inProcess: InProcessFleet? = nil
  ) {
    self.clock = clock
    self.jointBusHub = jointBusHub
    self.inProcess = inProcess
    self.serviceName = serviceName
    self.host = host
    self.plant = plant?.plant
    self.plantCell = plant?.cell
    self.logger = logger
    self.metrics = metrics
    self.metricsFactory = PrometheusMetricsFactory(registry: metrics)
    self.environment = environment
  }
}

/// The parts of one service that the runtime runs.
public struct ServiceParts: Sendable {
  /// A gRPC service and the fully qualified name health reports it under.
  public struct RPCService: Sendable {
    public var name: String
    public var service: any RegistrableRPCService

    public init(name: String, service: any RegistrableRPCService) {
      self.name = name
      self.service = service
    }
  }

  /// The gRPC services this process serves for the service (health is added by the runtime).
  public var rpcServices: [RPCService]
  /// Long-running work besides the servers (pollers, loops), started before the servers and
  /// shut down after them.
  public var backgroundServices: [any Service]
  /// Extra HTTP routes beside `/metrics`, `/healthz` and `/readyz` (yield's REST API).
  public var httpRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)?
  /// What `/readyz` asks besides the servers being up: nil when ready, else why not (e.g. the
  /// database is unreachable). Keep it fast; it runs on every probe.
  public var readinessProblem: (@Sendable () async -> String?)?
  /// Interceptors of the service's own (e.g. authentication), run after the runtime's metrics
  /// and deadline interceptors.
  public var interceptors: [any ServerInterceptor]
  /// Runs before every HTTP route, the runtime's included (`/metrics`): a response to send instead
  /// (e.g. 401), or nil to go on.
  public var httpGuard: (@Sendable (Request) async -> Response?)?

  public init(
    rpcServices: [RPCService] = [],
    backgroundServices: [any Service] = [],
    httpRoutes: (@Sendable (Router<BasicRequestContext>) -> Void)? = nil,
    readinessProblem: (@Sendable () async -> String?)? = nil,
    interceptors: [any ServerInterceptor] = [],
    httpGuard: (@Sendable (Request) async -> Response?)? = nil
  ) {
    self.interceptors = interceptors
    self.httpGuard = httpGuard
    self.rpcServices = rpcServices
    self.backgroundServices = backgroundServices
    self.httpRoutes = httpRoutes
    self.readinessProblem = readinessProblem
  }

  /// Parts for a service whose gRPC API is defined but built by a later issue: every method
  /// answers UNIMPLEMENTED naming that issue.
  public static func pending(
    _ descriptor: ServiceDescriptor, methods: [MethodDescriptor], plannedIn: String
  ) -> ServiceParts {
    pending([(descriptor, methods)], plannedIn: plannedIn)
  }

  /// Parts for several pending gRPC services (e.g. cell-sim's sensors and control).
  public static func pending(
    _ services: [(ServiceDescriptor, [MethodDescriptor])], plannedIn: String
  ) -> ServiceParts {
    ServiceParts(
      rpcServices: services.map { descriptor, methods in
        RPCService(
          name: descriptor.fullyQualifiedService,
          service: PendingRPCService(
            serviceName: descriptor.fullyQualifiedService, methods: methods, plannedIn: plannedIn))
      })
  }
}
