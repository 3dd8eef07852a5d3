import SimulatedTime
import GRPCCore

/// Turns a cancelled RPC — its deadline passed, or the client went away — into cancellation of
/// the task running the handler.
///
/// grpc-swift 2 reports an RPC's deadline to the handler through `ServerContext.cancellation`,
/// not by cancelling the handler's task, so a handler waiting on a PLC or a stream would wait
/// on after its caller gave up. With this interceptor every wait in every service (`Task.sleep`,
/// `AsyncStream`, task groups) honours the caller's deadline without each handler wiring it.
public struct RPCDeadlineInterceptor: ServerInterceptor {
  public init() {}

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    // `next` runs a unary handler to completion; a streaming handler runs in the producer.
    // The task running `next` is awaited before this returns, so `next` never really escapes.
    var response = try await withoutActuallyEscaping(next) { next in
      try await Self.cancellingWithRPC { try await next(request, context) }
    }
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in
        try await Self.cancellingWithRPC { try await producer(writer) }
      }
      response = StreamingServerResponse(accepted: .success(contents))
    }
    return response
  }

  /// Runs `body` in a task that is cancelled when the RPC is (or when the caller's task is).
  static func cancellingWithRPC<Result: Sendable>(
    _ body: @escaping @Sendable () async throws -> Result
  ) async throws -> Result {
    // An unstructured task because only a task handle can be cancelled from the RPC's
    // cancellation callback; it is always awaited here, so it never outlives the RPC.
    let task = Task(executorPreference: SimExecutor.current) { try await body() }
    return try await withTaskCancellationHandler {
      try await withRPCCancellationHandler {
        try await task.value
      } onCancelRPC: {
        task.cancel()
      }
    } onCancel: {
      task.cancel()
    }
  }
}
