import Foundation
import Hummingbird
import Logging
import PlantConfig
import PostgresNIO
import ServiceLifecycle
import WorkcellProto
import WorkcellRuntime
import YieldKPI
import YieldStore

/// yield: the plant-wide record of every cycle and state event, and the MES's source of yield,
/// first-pass yield, OEE and failure Pareto (gRPC and REST, see docs/yield-api.md).
public enum YieldService: FleetService {
  public typealias Options = YieldOptions
  public static let name = "yield"
  public static let abstract = "Stores cycles and state events; answers the MES with yield, OEE and Pareto."
  public static let discussion = """
    Serves workcell.yield.v1.Yield on the gRPC port and the REST API of docs/yield-api.md on the HTTP \
    port (/api/v1/..., OpenAPI 3.1 at /openapi.yaml). Stores in PostgreSQL with --postgres DSN \
    (monthly partitions created ahead, migrations applied at start, safe with several replicas), \
    else in an embedded SQLite file. The shift calendar comes from the plant file \
    (--plant-config). Bearer tokens (--tokens-file) carry read or write scope.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let settings = try options.resolved(environment: context.environment)
    let logger = context.logger
    let metrics = YieldMetrics(registry: context.metrics)
    let authority = try loadTokens(settings.tokensFile, logger: logger)
    let calendar = try shiftCalendar(context: context)

    var background: [any Service] = []
    let base: any YieldStore
    var postgres: PostgresYieldStore?
    var onStop: @Sendable () async -> Void = {}
    if let dsn = settings.postgresDSN {
      let client = PostgresClient(configuration: try PostgresYieldStore.configuration(dsn: dsn), backgroundLogger: logger)
      background.append(client)
      postgres = PostgresYieldStore(client: client)
      base = postgres!
      logger.info("storing in PostgreSQL", metadata: ["dsn": "\(redacted(dsn))"])
    } else {
      let sqlite = try await SQLiteYieldStore.open(.file(path: settings.sqlitePath), logger: logger)
      base = sqlite
      onStop = {
        do {
          try await sqlite.close()
        } catch {
          logger.error("could not close the SQLite store", metadata: ["error": "\(error)"])
        }
      }
      logger.info("storing in SQLite", metadata: ["path": "\(settings.sqlitePath)"])
    }
    let store = MeteredYieldStore(base: base, inFlight: metrics.dbOperationsInFlight)
    let queries = YieldQueries(store: store, calendar: calendar, metrics: metrics)
    let supervisor = YieldStoreSupervisor(
      store: store, postgres: postgres, queries: queries, kpiRefresh: settings.kpiRefresh, logger: logger,
      onStop: onStop)
    background.append(supervisor)
    let feed = PageFeed(store: store, calendar: calendar, logger: logger) { supervisor.readinessProblem }
    background.append(feed)
    let ingest = YieldIngest(
      store: store, metrics: metrics, admission: IngestAdmission(writers: settings.ingestWriters), feed: feed)

    let rest = YieldREST(
      queries: queries, ingest: ingest, authority: authority, openAPIDocument: PackageResources.openapi_yaml,
      protectOpenAPI: settings.protectOpenAPI, logger: logger)
    let protectMetrics = settings.protectMetrics
    return ServiceParts(
      rpcServices: [
        .init(
          name: Workcell_Yield_V1_Yield.descriptor.fullyQualifiedService,
          service: YieldGRPCService(rpc: YieldRPC(queries: queries, ingest: ingest, logger: logger)))
      ],
      backgroundServices: background,
      httpRoutes: { router in
        rest.register(on: router)
        YieldPage(feed: feed, rest: rest).register(on: router)
      },
      readinessProblem: { supervisor.readinessProblem },
      interceptors: [TokenInterceptor(authority: authority)],
      httpGuard: { request in
        guard protectMetrics, request.uri.path == "/metrics" else { return nil }
        return rest.refusal(request, scope: .read)
      })
  }

  static func loadTokens(_ path: String?, logger: Logger) throws -> TokenAuthority {
    guard let path else {
      logger.warning("no --tokens-file: authentication is OFF; every client may read and write (development only)")
      return TokenAuthority(entries: [])
    }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw WorkcellError(.invalidArgument, "--tokens-file \(path) cannot be read.")
    }
    do {
      let authority = try TokenAuthority(text: text, source: path)
      guard authority.isEnabled else {
        throw WorkcellError(.invalidArgument, "--tokens-file \(path) holds no token; add '<name> <scopes> <sha256-hex>' lines.")
      }
      logger.info("bearer tokens loaded", metadata: ["count": "\(authority.entries.count)"])
      return authority
    } catch let error as TokenAuthority.ConfigurationError {
      throw WorkcellError(.invalidArgument, "--tokens-file: \(error.description)")
    }
  }

  /// The plant file's shift calendar; none without a plant file (shift buckets are then empty and
  /// OEE counts the whole window as planned).
  static func shiftCalendar(context: ServiceContext) throws -> ShiftCalendar? {
    guard let plant = context.plant else {
      context.logger.warning("no --plant-config: no shift calendar, so group_by=shift gives no shifts and OEE plans every hour")
      return nil
    }
    do {
      return try plant.shiftCalendar()
    } catch {
      throw WorkcellError(.invalidArgument, "The plant file's shift calendar cannot be used: \(error)")
    }
  }

  /// The DSN without its password, for logs.
  static func redacted(_ dsn: String) -> String {
    guard var url = URLComponents(string: dsn) else { return "(unparsable DSN)" }
    if url.password != nil { url.password = "***" }
    return url.string ?? "(DSN)"
  }
}
