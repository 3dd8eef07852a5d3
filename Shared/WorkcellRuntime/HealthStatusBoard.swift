import Synchronization
import WorkcellProto

/// The serving status of each gRPC service in one server, as `grpc.health.v1` reports it.
///
/// The empty name `""` stands for the server as a whole. Watchers receive every change and are
/// finished when the board shuts down, so a draining server does not wait on them.
public final class HealthStatusBoard: Sendable {
  /// A service's status as the health protocol names it.
  public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

  private struct State {
    var statuses: [String: Status] = [:]
    var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
    var nextWatcherID = 0
    var isShutDown = false
  }

  private let state = Mutex(State())

  /// A board knowing `services` (plus the server itself, `""`), all NOT_SERVING until set.
  public init(services: [String]) {
    state.withLock { state in
      for name in services + [""] { state.statuses[name] = .notServing }
    }
  }

  /// The current status of `service`, or nil when the server does not know it.
  public func status(of service: String) -> Status? {
    state.withLock { $0.statuses[service] }
  }

  /// Every known service and its status.
  public func allStatuses() -> [String: Status] {
    state.withLock { $0.statuses }
  }

  /// Sets `service`'s status and tells its watchers. Ignored after `shutDown()`.
  public func set(_ status: Status, for service: String) {
    let toNotify: [AsyncStream<Status>.Continuation] = state.withLock { state in
      guard !state.isShutDown else { return [] }
      state.statuses[service] = status
      return state.watchers.values.filter { $0.service == service }.map(\.continuation)
    }
    for continuation in toNotify { continuation.yield(status) }
  }

  /// Sets every known service, and the server itself, to `status`.
  public func setAll(_ status: Status) {
    for name in allStatuses().keys { set(status, for: name) }
  }

  /// Marks everything NOT_SERVING, tells every watcher, and ends their streams.
  public func shutDown() {
    let watchers: [AsyncStream<Status>.Continuation] = state.withLock { state in
      state.isShutDown = true
      for key in state.statuses.keys { state.statuses[key] = .notServing }
      let all = state.watchers.values.map(\.continuation)
      state.watchers.removeAll()
      return all
    }
    for continuation in watchers {
      continuation.yield(.notServing)
      continuation.finish()
    }
  }

  /// A stream of `service`'s status: the current one first (SERVICE_UNKNOWN when unknown),
  /// then every change, until the board shuts down or the consumer stops.
  public func watch(_ service: String) -> AsyncStream<Status> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: Status.self, bufferingPolicy: .bufferingNewest(16))
    let id: Int? = state.withLock { state in
      continuation.yield(state.statuses[service] ?? .serviceUnknown)
      guard !state.isShutDown else { return nil }
      let id = state.nextWatcherID
      state.nextWatcherID += 1
      state.watchers[id] = (service, continuation)
      return id
    }
    guard let id else {
      continuation.finish()
      return stream
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
    }
    return stream
  }
}
