import GRPCCore
import WorkcellProto

/// The standard `grpc.health.v1.Health` service (Check, List, Watch), answering from a
/// `HealthStatusBoard`. Load balancers, Kubernetes gRPC probes and `grpc_health_probe` use it.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  /// The statuses this service reports.
  public let board: HealthStatusBoard

  public init(board: HealthStatusBoard) {
    self.board = board
  }

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard let status = board.status(of: request.service) else {
      throw RPCError(
        code: .notFound,
        message: "This server does not serve '\(request.service)'. "
          + "Known services: \(board.allStatuses().keys.filter { !$0.isEmpty }.sorted().joined(separator: ", ")).")
    }
    return .with { $0.status = status }
  }

  public func list(
    request: Grpc_Health_V1_HealthListRequest, context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthListResponse {
    .with { response in
      for (name, status) in board.allStatuses() {
        response.statuses[name] = .with { $0.status = status }
      }
    }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    for await status in board.watch(request.service) {
      try await response.write(.with { $0.status = status })
    }
  }
}
