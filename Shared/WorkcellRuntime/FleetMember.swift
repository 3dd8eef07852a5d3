import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import JointBus
import SimulatedTime
import Synchronization

/// One service of the fleet made runnable: its gRPC server (with health), its HTTP endpoint
/// (`/metrics`, `/healthz`, `/readyz`), its background work, in start order.
public struct FleetMember: Sendable {
  /// The service's name, e.g. `perception`.
  public let name: String
  /// The health statuses its gRPC server reports.
  public let health: HealthStatusBoard
  /// The registry behind its `/metrics`.
  public let metrics: PrometheusCollectorRegistry
  /// Everything to run, in start order; a `ServiceGroup` stops them in reverse.
  public let services: [any Service]
  /// The service's gRPC server.
  public let grpcServer: GRPCServer<HTTP2ServerTransport.Posix>
  private let boundHTTPPort: BoundPort

  /// The gRPC port actually bound (useful with port 0); waits until the server listens.
  public func grpcPort() async throws -> Int {
    let address = try await grpcServer.transport.listeningAddress
    guard let port = address.ipv4?.port ?? address.ipv6?.port else {
      throw WorkcellError(.internal, "The gRPC server of \(name) is bound to \(address), not a TCP port.")
    }
    return port
  }

  /// The HTTP port actually bound, waiting up to `timeout` for the server to listen.
  public func httpPort(timeout: Duration = .seconds(5)) async -> Int? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if let port = boundHTTPPort.port { return port }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return boundHTTPPort.port
  }

  /// Builds `Service` with `options`, listening on `host` and `ports`.
  public static func build<S: FleetService>(
    _ service: S.Type,
    options: S.Options,
    host: String,
    ports: ServicePorts,
    environment: [String: String],
    plant: PlantSelection? = nil,
    clock: any WorkcellClock = WallClock(),
    jointBusHub: JointBusHub? = nil,
    inProcess: InProcessFleet? = nil,
    tls explicitTLS: FleetTLS? = nil,
    logger baseLogger: Logger
  ) async throws -> FleetMember {
    // Mutual TLS when asked for here, or when the process turned it on (FleetTLS.enable).
    let tls = try explicitTLS ?? FleetTLS.serving(S.name)
    var logger = baseLogger
    logger[metadataKey: "service"] = "\(S.name)"
    let registry = PrometheusCollectorRegistry()
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_service_info", unitName: "",
        helpText: "Always 1; labels name the running service."),
      labels: [("service", S.name)]
    ).set(1.0)

    let context = ServiceContext(
      serviceName: S.name, logger: logger, metrics: registry, environment: environment, host: host,
      plant: plant, clock: clock, jointBusHub: jointBusHub, inProcess: inProcess)
    let parts = try await S.makeParts(options: options, context: context)

    let board = HealthStatusBoard(services: parts.rpcServices.map(\.name) + ["grpc.health.v1.Health"])
    let rpcServices = parts.rpcServices.map(\.service) + [HealthService(board: board)]
    // With mutual TLS, who is calling is checked before anything else runs.
    let interceptors: [any ServerInterceptor] =
      (tls == nil ? [] : [IdentityInterceptor()]) + [RPCMetricsInterceptor(registry: registry), RPCDeadlineInterceptor()]
      + ((clock as? SimulationClock).map { [SimTimeServerInterceptor(clock: $0)] } ?? []) + parts.interceptors
    let grpcServer = GRPCServer(
      transport: HTTP2ServerTransport.Posix(
        address: try Self.bindAddress(host: host, port: ports.grpc),
        transportSecurity: tls?.serverSecurity ?? .plaintext,
        config: .defaults
      ),
      services: rpcServices,
      interceptors: interceptors
    )
    let inProcessServers: [any Service] =
      inProcess.map { [$0.grpc.servers(port: ports.grpc, services: rpcServices, interceptors: interceptors)] } ?? []

    let boundHTTPPort = BoundPort()
    let router = Router()
    if let httpGuard = parts.httpGuard { router.add(middleware: GuardMiddleware(check: httpGuard)) }
    router.get("/metrics") { _, _ -> Response in
      var body = [UInt8]()
      registry.emit(into: &body)
      return Response(
        status: .ok,
        headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
    router.get("/healthz") { _, _ -> Response in
      Self.json(.ok, #"{"status":"alive"}"#)
    }
    let readinessProblem = parts.readinessProblem
    router.get("/readyz") { _, _ -> Response in
      guard board.status(of: "") == .serving else {
        return Self.json(.serviceUnavailable, #"{"status":"not_ready","reason":"servers not serving"}"#)
      }
      if let problem = await readinessProblem?() {
        return Self.json(.serviceUnavailable, #"{"status":"not_ready","reason":"# + Self.jsonString(problem) + "}")
      }
      return Self.json(.ok, #"{"status":"ready"}"#)
    }
    parts.httpRoutes?(router)
    let httpApp = Application(
      router: router,
      configuration: ApplicationConfiguration(
        address: .hostname(host, port: ports.http), serverName: "workcell-\(S.name)"),
      onServerRunning: { channel in
        boundHTTPPort.port = channel.localAddress?.port
      },
      logger: logger
    )

    let member = FleetMember(
      name: S.name, health: board, metrics: registry,
      services: [], grpcServer: grpcServer, boundHTTPPort: boundHTTPPort)
    let publisher = HealthPublisher(member: member, logger: logger)
    return FleetMember(
      name: S.name, health: board, metrics: registry,
      services: parts.backgroundServices + [httpApp, GRPCServerService(server: grpcServer)] + inProcessServers + [publisher],
      grpcServer: grpcServer, boundHTTPPort: boundHTTPPort)
  }

  /// The gRPC bind address for a numeric IPv4/IPv6 host or `localhost`.
  static func bindAddress(host: String, port: Int) throws -> GRPCNIOTransportCore.SocketAddress {
    if host == "localhost" { return .ipv4(host: "127.0.0.1", port: port) }
    if host.contains(":") { return .ipv6(host: host, port: port) }
    guard host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) else {
      throw WorkcellError(
        .invalidArgument,
        "--host must be a numeric IPv4 or IPv6 address (or localhost), got '\(host)'.")
    }
    return .ipv4(host: host, port: port)
  }

  /// `text` as a JSON string literal, quotes included.
  static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(string: body)))
  }
}

/// The port an HTTP server bound, set once it listens.
final class BoundPort: Sendable {
  private let value = Mutex<Int?>(nil)

  var port: Int? {
    get { value.withLock { $0 } }
    set { value.withLock { $0 = newValue } }
  }
}

/// Runs a service's HTTP guard before every route.
struct GuardMiddleware: RouterMiddleware {
  typealias Context = BasicRequestContext
  let check: @Sendable (Request) async -> Response?

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    if let refusal = await check(request) { return refusal }
    return try await next(request, context)
  }
}
