import GRPCCore
import SimulatedTime

/// Metadata a simulated fleet's calls carry (docs/simulation.md, "Simulated time"): the caller's
/// activity (so a handler that waits on the clock releases it for the caller) and the call's
/// stream (whose messages hold the clock until read).
enum SimTimeMetadata {
  static let activity = "workcell-sim-activity"
  static let stream = "workcell-sim-stream"

  static func number(_ metadata: Metadata, _ key: String) -> UInt64? {
    for value in metadata[stringValues: key] { return UInt64(value) }
    return nil
  }
}

/// The caller's half: names the current activity and the call's stream in its metadata, holds the
/// clock for each message it writes and releases each message it has read once the next is asked
/// for. Installed only on a simulated clock's clients (`HostPort.grpcClient(clock:)`).
public struct SimTimeClientInterceptor: ClientInterceptor {
  let clock: SimulationClock

  public init(clock: SimulationClock) { self.clock = clock }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    var request = request
    let token = ClockStreamToken(clock: clock, name: context.descriptor.fullyQualifiedMethod)
    request.metadata.replaceOrAddString("\(token.stream)", forKey: SimTimeMetadata.stream)
    if let activity = SimActivity.current {
      request.metadata.replaceOrAddString("\(activity.id)", forKey: SimTimeMetadata.activity)
    }
    let producer = request.producer
    request.producer = { writer in
      try await producer(RPCWriter(wrapping: HoldingWriter(base: writer, token: token)))
    }
    var response: StreamingClientResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      token.close()
      throw error
    }
    switch response.accepted {
    case .success(var contents):
      contents.bodyParts = RPCAsyncSequence(
        wrapping: ClockHeldSequence(base: contents.bodyParts, token: token) {
          if case .message = $0 { return true }
          return false
        })
      response = StreamingClientResponse(accepted: .success(contents))
    case .failure:
      token.close()
    }
    return response
  }
}

/// The handler's half: runs the handler for the caller's activity (when the call names one) and
/// applies the same holds and releases to the messages it reads and writes.
public struct SimTimeServerInterceptor: ServerInterceptor {
  let clock: SimulationClock

  public init(clock: SimulationClock) { self.clock = clock }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard let stream = SimTimeMetadata.number(request.metadata, SimTimeMetadata.stream) else {
      return try await next(request, context)
    }
    let clock = self.clock
    let activity = SimTimeMetadata.number(request.metadata, SimTimeMetadata.activity).flatMap { clock.activity(id: $0) }
    var request = request
    let token = ClockStreamToken(clock: clock, stream: stream, closes: false)
    request.messages = RPCAsyncSequence(wrapping: ClockHeldSequence(base: request.messages, token: token))
    var response = try await SimActivity.$current.withValue(activity) { try await next(request, context) }
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in
        try await SimActivity.$current.withValue(activity) {
          try await producer(RPCWriter(wrapping: HoldingWriter(base: writer, token: token)))
        }
      }
      response = StreamingServerResponse(accepted: .success(contents))
    }
    return response
  }
}

/// Holds the clock for every message before it is written.
struct HoldingWriter<Element: Sendable>: RPCWriterProtocol {
  let base: RPCWriter<Element>
  let token: ClockStreamToken

  func write(_ element: Element) async throws {
    token.hold()
    try await base.write(element)
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await write(element) }
  }
}
