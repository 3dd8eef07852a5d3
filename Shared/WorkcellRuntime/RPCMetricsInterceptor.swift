import GRPCCore
import Prometheus
import Synchronization

/// Counts and times every RPC a server handles, by service, method and final status, as
/// `grpc_server_handled_total` and `grpc_server_handling_seconds` (the names the grpc-ecosystem
/// Prometheus middleware uses, so existing Grafana panels work). Streaming RPCs are timed until
/// their last response.
public struct RPCMetricsInterceptor: ServerInterceptor {
  private let registry: PrometheusCollectorRegistry
  private let buckets: [Duration]
  /// The metrics each method and status recorded into, made once (the registry's lookup builds
  /// its label strings on every call; the fleet makes hundreds of calls per second).
  private let made = MadeMetrics()

  private final class MadeMetrics: Sendable {
    let byKey = Mutex<[String: (Counter, DurationHistogram)]>([:])
  }

  /// An interceptor recording into `registry`.
  public init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
    self.buckets = [
      .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
      .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
      .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let started = ContinuousClock.now
    let method = context.descriptor
    let record: @Sendable (RPCError.Code?) -> Void = { code in
      self.record(method: method, code: code, elapsed: ContinuousClock.now - started)
    }
    let response: StreamingServerResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      record(Self.statusCode(of: error))
      throw error
    }
    switch response.accepted {
    case .success(var contents):
      let producer = contents.producer
      contents.producer = { writer in
        do {
          let trailers = try await producer(writer)
          record(nil)
          return trailers
        } catch {
          record(Self.statusCode(of: error))
          throw error
        }
      }
      return StreamingServerResponse(accepted: .success(contents))
    case .failure(let error):
      record(error.code)
      return response
    }
  }

  private func record(method: MethodDescriptor, code: RPCError.Code?, elapsed: Duration) {
    let status = code.map(Self.statusName) ?? "OK"
    let key = "\(method.service.fullyQualifiedService)/\(method.method)/\(status)"
    let (counter, histogram) = made.byKey.withLock { made in
      if let metrics = made[key] { return metrics }
      let labels = [
        ("grpc_service", method.service.fullyQualifiedService),
        ("grpc_method", method.method),
      ]
      let metrics = (
        registry.makeCounter(
          descriptor: MetricNameDescriptor(
            metricName: "grpc_server_handled", unitName: "total",
            helpText: "RPCs completed on the server, by final gRPC status."),
          labels: labels + [("grpc_code", status)]),
        registry.makeDurationHistogram(
          descriptor: MetricNameDescriptor(
            metricName: "grpc_server_handling", unitName: "seconds",
            helpText: "Time from receiving an RPC to sending its status."),
          labels: labels,
          buckets: buckets)
      )
      made[key] = metrics
      return metrics
    }
    counter.increment()
    histogram.record(elapsed)
  }

  /// The gRPC status an error leaves the server as.
  static func statusCode(of error: any Error) -> RPCError.Code {
    if let error = error as? RPCError { return error.code }
    if let error = error as? any RPCErrorConvertible { return error.rpcErrorCode }
    return .unknown
  }

  /// The status's canonical name, e.g. `DEADLINE_EXCEEDED`.
  static func statusName(_ code: RPCError.Code) -> String {
    var name = ""
    for character in String(describing: code) {
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
    return name
  }
}
