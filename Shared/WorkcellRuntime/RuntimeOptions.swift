import ArgumentParser
import Logging

/// Flags every Workcell executable takes. Each flag can also come from a `WORKCELL_*`
/// environment variable (the flag wins), so containers and compose files configure services
/// without rewriting commands.
public struct RuntimeOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "Address the gRPC and HTTP servers listen on. Use 0.0.0.0 inside a container.",
      discussion: "Env: WORKCELL_HOST. Default: 127.0.0.1."))
  public var host: String?

  @Option(
    help: ArgumentHelp(
      "Lowest log level written: trace, debug, info, notice, warning, error, critical.",
      discussion: "Env: WORKCELL_LOG_LEVEL. Default: info."))
  public var logLevel: Logger.Level?

  @Option(
    help: ArgumentHelp(
      "Log line format on stderr: json (one object per line, for collectors) or text.",
      discussion: "Env: WORKCELL_LOG_FORMAT. Default: json."))
  public var logFormat: LogFormat?

  @Option(
    name: .customLong("shutdown-grace-s"),
    help: ArgumentHelp(
      "Seconds allowed on SIGTERM/SIGINT for in-flight calls to finish before they are cancelled.",
      discussion: "Env: WORKCELL_SHUTDOWN_GRACE_S. Default: 3."))
  public var shutdownGraceSeconds: Double?

  @Option(
    name: .customLong("plant-config"),
    help: ArgumentHelp(
      "The plant file (YAML): cells, PLC endpoints, shift calendar, yield endpoint. Each service "
        + "reads its part; flags and WORKCELL_* variables override it.",
      discussion: "Env: WORKCELL_PLANT_CONFIG. Default: none. Check one with `workcell config check FILE`."))
  public var plantConfig: String?

  @Option(
    name: .customLong("cell"),
    help: ArgumentHelp(
      "Which cell of the plant file this process serves (its id).",
      discussion: "Env: WORKCELL_CELL. Default: the only cell when the plant file has one."))
  public var cell: String?

  @Option(
    help: ArgumentHelp(
      "Mutual TLS on every gRPC hop: the directory `workcell certs init --plant DIR` wrote (ca.pem, <identity>.pem, <identity>.key).",
      discussion: "Env: WORKCELL_TLS_DIR. Default: none. docs/security.md."))
  public var tlsDir: String?

  @Option(
    help: ArgumentHelp(
      "Which identity of --tls-dir this process is (its certificate's name).",
      discussion: "Env: WORKCELL_TLS_IDENTITY. Default: the service's name (cell, control, …)."))
  public var tlsIdentity: String?

  @Flag(
    help: ArgumentHelp(
      "Development only: serve plaintext gRPC on an address other than loopback (anyone who reaches the port is served).",
      discussion: "Env: WORKCELL_INSECURE=1. Without it, --host other than 127.0.0.1/localhost/::1 needs --tls-dir."))
  public var insecure = false

  public init() {}

  /// Flags merged with the environment and defaults, validated.
  public func resolve(environment: [String: String]) throws -> RuntimeConfig {
    let env = EnvironmentDefaults(environment)
    let grace = try env.value(shutdownGraceSeconds, "WORKCELL_SHUTDOWN_GRACE_S", default: 3.0)
    guard grace.isFinite, grace >= 0, grace <= 600 else {
      throw ValidationError("--shutdown-grace-s must be between 0 and 600 seconds, got \(grace).")
    }
    let host = try env.value(host, "WORKCELL_HOST", default: "127.0.0.1")
    let tlsDirectory = try env.value(tlsDir, "WORKCELL_TLS_DIR", default: "").nonEmpty
    let insecure = self.insecure || ["1", "true", "yes", "on"].contains(environment["WORKCELL_INSECURE"]?.lowercased() ?? "")
    if tlsDirectory == nil, !insecure, !Self.isLoopback(host) {
      throw ValidationError(
        "--host \(host) would serve gRPC in plaintext on the network, where anyone who reaches the port could move a "
          + "robot: give --tls-dir DIR (`workcell certs init --plant DIR`; docs/security.md), or --insecure for development.")
    }
    return RuntimeConfig(
      host: host,
      logLevel: try env.value(logLevel, "WORKCELL_LOG_LEVEL", default: .info),
      logFormat: try env.value(logFormat, "WORKCELL_LOG_FORMAT", default: .json),
      shutdownGrace: .milliseconds(Int64((grace * 1000).rounded())),
      plantConfigPath: try env.value(plantConfig, "WORKCELL_PLANT_CONFIG", default: "").nonEmpty,
      cellID: try env.value(cell, "WORKCELL_CELL", default: "").nonEmpty,
      tlsDirectory: tlsDirectory, tlsIdentity: try env.value(tlsIdentity, "WORKCELL_TLS_IDENTITY", default: "").nonEmpty,
      insecure: insecure
    )
  }

  /// Whether `host` is a loopback address (only this machine reaches it).
  public static func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host == "::1" || host.hasPrefix("127.")
  }
}

extension String {
  /// Nil for the empty string (an unset option).
  fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// The ports of one service run on its own.
public struct ServicePortOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "gRPC port (0 picks a free one).",
      discussion: "Env: WORKCELL_GRPC_PORT. Default: the fleet port plan (50061 + service index)."))
  public var grpcPort: Int?

  @Option(
    help: ArgumentHelp(
      "HTTP port for /metrics, /healthz and /readyz (0 picks a free one).",
      discussion: "Env: WORKCELL_HTTP_PORT. Default: the fleet port plan (9161 + service index)."))
  public var httpPort: Int?

  public init() {}

  /// The ports for `service`, from flags, environment, the plant file's ports for the service
  /// (`planned`), or the fleet port plan, in that order.
  public func resolve(
    service: String, environment: [String: String], planned: ServicePorts? = nil
  ) throws -> ServicePorts {
    let env = EnvironmentDefaults(environment)
    let offset = FleetPortPlan.offset(of: service) ?? 0
    let ports = ServicePorts(
      grpc: try env.value(grpcPort, "WORKCELL_GRPC_PORT", default: planned?.grpc ?? FleetPortPlan.grpcBase + offset),
      http: try env.value(httpPort, "WORKCELL_HTTP_PORT", default: planned?.http ?? FleetPortPlan.httpBase + offset)
    )
    try ports.validate()
    return ports
  }
}

/// Runtime settings after flags, environment and defaults were merged.
public struct RuntimeConfig: Sendable, Equatable {
  public var host: String
  public var logLevel: Logger.Level
  public var logFormat: LogFormat
  /// How long SIGTERM/SIGINT waits for in-flight work before cancelling it.
  public var shutdownGrace: Duration
  /// The plant file to read (`--plant-config`), if any.
  public var plantConfigPath: String?
  /// The cell of the plant file this process serves (`--cell`), if named.
  public var cellID: String?
  /// `--tls-dir`: the plant's certificates, for mutual TLS on every gRPC hop (nil: plaintext).
  public var tlsDirectory: String?
  /// `--tls-identity` (nil: the service's name).
  public var tlsIdentity: String?
  /// `--insecure`: plaintext on the network was asked for.
  public var insecure: Bool

  public init(
    host: String, logLevel: Logger.Level, logFormat: LogFormat, shutdownGrace: Duration,
    plantConfigPath: String? = nil, cellID: String? = nil, tlsDirectory: String? = nil, tlsIdentity: String? = nil,
    insecure: Bool = false
  ) {
    self.tlsDirectory = tlsDirectory
    self.tlsIdentity = tlsIdentity
    self.insecure = insecure
    self.host = host
    self.logLevel = logLevel
    self.logFormat = logFormat
    self.shutdownGrace = shutdownGrace
    self.plantConfigPath = plantConfigPath
    self.cellID = cellID
  }
}

/// The two ports one service listens on.
public struct ServicePorts: Sendable, Equatable {
  public var grpc: Int
  public var http: Int

  public init(grpc: Int, http: Int) {
    self.grpc = grpc
    self.http = http
  }

  /// Rejects ports outside 0…65535 and a gRPC port equal to the HTTP port.
  public func validate() throws {
    for (name, port) in [("gRPC", grpc), ("HTTP", http)] where !(0...65535).contains(port) {
      throw ValidationError("The \(name) port must be between 0 and 65535, got \(port).")
    }
    if grpc == http && grpc != 0 {
      throw ValidationError("The gRPC and HTTP ports must differ; both are \(grpc).")
    }
  }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable, ExpressibleByArgument {
  /// One JSON object per line: time, level, label, message, metadata.
  case json
  /// Human-readable lines.
  case text
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension RuntimeConfig {
  /// Start-up: mutual TLS from `--tls-dir` as `--tls-identity` (else `clientIdentity`) for this
  /// process's clients, each service serving with its own certificate; or a warning when
  /// plaintext was asked for on the network (`--insecure`).
  public func enableTLS(clientIdentity: String, logger: Logger) throws {
    guard let tlsDirectory else {
      if insecure, !RuntimeOptions.isLoopback(host) {
        logger.warning(
          "plaintext gRPC on the network (--insecure): anyone who reaches the ports is served; development only",
          metadata: ["host": "\(host)"])
      }
      return
    }
    let identity = tlsIdentity ?? clientIdentity
    try FleetTLS.enable(directory: tlsDirectory, clientIdentity: identity)
    logger.info("mutual TLS on every gRPC hop", metadata: ["tls_dir": "\(tlsDirectory)", "identity": "\(identity)"])
  }
}
