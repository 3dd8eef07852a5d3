import ArgumentParser
import WorkcellRuntime

/// The yield service's own flags; each also reads a `WORKCELL_YIELD_*` variable.
public struct YieldOptions: ParsableArguments, Sendable {
  @Option(
    name: .customLong("postgres"),
    help: ArgumentHelp(
      "PostgreSQL DSN of the plant's yield database, e.g. postgres://yield@db:5432/workcell?sslmode=disable.",
      discussion: "Env: WORKCELL_YIELD_POSTGRES_DSN. Default: none, which means the embedded SQLite file (--sqlite-path)."))
  var postgres: String?

  @Option(
    name: .customLong("sqlite-path"),
    help: ArgumentHelp(
      "The embedded SQLite database file, used when no --postgres DSN is given (created if missing).",
      discussion: "Env: WORKCELL_YIELD_SQLITE_PATH. Default: workcell-yield.sqlite in the working directory."))
  var sqlitePath: String?

  @Option(
    name: .customLong("tokens-file"),
    help: ArgumentHelp(
      "Bearer tokens allowed to call the API: lines '<name> <read|write|read,write> <sha256-hex of token>'.",
      discussion:
        "Env: WORKCELL_YIELD_TOKENS_FILE. Default: none, which turns authentication OFF (development only; logged as a warning). "
        + "Hash a token with: printf %s \"$TOKEN\" | sha256sum"))
  var tokensFile: String?

  @Flag(
    name: .customLong("protect-metrics"),
    help: "Require a read token for /metrics too (Env: WORKCELL_YIELD_PROTECT_METRICS=true). Default: open, for Prometheus.")
  var protectMetrics = false

  @Flag(
    name: .customLong("protect-openapi"),
    help: "Require a read token for /openapi.yaml too (Env: WORKCELL_YIELD_PROTECT_OPENAPI=true). Default: open.")
  var protectOpenAPI = false

  @Option(
    name: .customLong("kpi-refresh-s"),
    help: ArgumentHelp(
      "How often the current shift's OEE per cell is recomputed for /metrics, in seconds (0 = never).",
      discussion: "Env: WORKCELL_YIELD_KPI_REFRESH_S. Default: 60."))
  var kpiRefreshS: Double?

  @Option(
    name: .customLong("ingest-writers"),
    help: ArgumentHelp(
      "Ingest batches writing to the database at once (per replica); the others wait their turn.",
      discussion:
        "Env: WORKCELL_YIELD_INGEST_WRITERS. Default: \(YieldOptions.defaultIngestWriters). More writers than the "
        + "database server has cores only add contention; raise it for a larger server."))
  var ingestWriters: Int?

  /// Ingest writers when `--ingest-writers` is not given.
  static let defaultIngestWriters = 2

  public init() {}

  /// The options merged with the environment, validated.
  func resolved(environment: [String: String]) throws -> Resolved {
    let env = EnvironmentDefaults(environment)
    let postgres = try env.value(postgres, "WORKCELL_YIELD_POSTGRES_DSN", default: "")
    let sqlitePath = try env.value(sqlitePath, "WORKCELL_YIELD_SQLITE_PATH", default: "workcell-yield.sqlite")
    let tokensFile = try env.value(tokensFile, "WORKCELL_YIELD_TOKENS_FILE", default: "")
    let refresh = try env.value(kpiRefreshS, "WORKCELL_YIELD_KPI_REFRESH_S", default: 60.0)
    guard refresh >= 0, refresh.isFinite else {
      throw WorkcellError(.invalidArgument, "--kpi-refresh-s must be ≥ 0 seconds, got \(refresh).")
    }
    let writers = try env.value(ingestWriters, "WORKCELL_YIELD_INGEST_WRITERS", default: Self.defaultIngestWriters)
    guard writers >= 1 else {
      throw WorkcellError(.invalidArgument, "--ingest-writers must be ≥ 1, got \(writers).")
    }
    guard !sqlitePath.isEmpty || !postgres.isEmpty else {
      throw WorkcellError(.invalidArgument, "--sqlite-path must not be empty when no --postgres DSN is given.")
    }
    return Resolved(
      postgresDSN: postgres.isEmpty ? nil : postgres, sqlitePath: sqlitePath,
      tokensFile: tokensFile.isEmpty ? nil : tokensFile,
      protectMetrics: protectMetrics || (environment["WORKCELL_YIELD_PROTECT_METRICS"] == "true"),
      protectOpenAPI: protectOpenAPI || (environment["WORKCELL_YIELD_PROTECT_OPENAPI"] == "true"),
      kpiRefresh: .milliseconds(Int64(refresh * 1000)), ingestWriters: writers)
  }

  struct Resolved: Sendable {
    var postgresDSN: String?
    var sqlitePath: String
    var tokensFile: String?
    var protectMetrics: Bool
    var protectOpenAPI: Bool
    var kpiRefresh: Duration
    var ingestWriters: Int
  }
}
