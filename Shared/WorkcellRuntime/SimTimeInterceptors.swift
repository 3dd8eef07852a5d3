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
    let stream = clock.openStream()
    let closer = StreamCloser(clock: clock, stream: stream)
    request.metadata.replaceOrAddString("\(stream)", forKey: SimTimeMetadata.stream)
    if let activity = SimActivity.current {
      request.metadata.replaceOrAddString("\(activity.id)", forKey: SimTimeMetadata.activity)
    }
    let producer = request.producer
    let clock = self.clock
    request.producer = { writer in
      try await producer(RPCWriter(wrapping: HoldingWriter(base: writer, clock: clock, stream: stream)))
    }
    var response: StreamingClientResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      closer.close()
      throw error
    }
    switch response.accepted {
    case .success(var contents):
      contents.bodyParts = RPCAsyncSequence(wrapping: ReleasingSequence(base: contents.bodyParts, closer: closer) {
        if case .message = $0 { return true }
        return false
      })
      response = StreamingClientResponse(accepted: .success(contents))
    case .failure:
      closer.close()
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
    request.messages = RPCAsyncSequence(
      wrapping: ReleasingSequence(base: request.messages, closer: StreamCloser(clock: clock, stream: stream, closes: false)) { _ in
        true
      })
    var response = try await SimActivity.$current.withValue(activity) { try await next(request, context) }
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in
        try await SimActivity.$current.withValue(activity) {
          try await producer(RPCWriter(wrapping: HoldingWriter(base: writer, clock: clock, stream: stream)))
        }
      }
      response = StreamingServerResponse(accepted: .success(contents))
    }
    return response
  }
}

/// Closes a call's stream on the clock once: at its end, or when nobody reads it any more.
final class StreamCloser: Sendable {
  let clock: SimulationClock
  let stream: UInt64
  /// The caller's side closes the stream; the handler's side only releases.
  let closes: Bool

  init(clock: SimulationClock, stream: UInt64, closes: Bool = true) {
    self.clock = clock
    self.stream = stream
    self.closes = closes
  }

  func close() { if closes { clock.closeStream(stream) } }

  func release() { clock.releaseMessage(stream: stream) }

  deinit { close() }
}

/// Holds the clock for every message before it is written.
struct HoldingWriter<Element: Sendable>: RPCWriterProtocol {
  let base: RPCWriter<Element>
  let clock: SimulationClock
  let stream: UInt64

  func write(_ element: Element) async throws {
    clock.holdMessage(stream: stream)
    try await base.write(element)
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await write(element) }
  }
}

/// Releases a message's hold when the reader asks for the next element, and the whole stream at
/// its end.
struct ReleasingSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
  typealias Element = Base.Element
  let base: Base
  let closer: StreamCloser
  /// Whether an element is a message (trailing metadata is not).
  let isMessage: @Sendable (Element) -> Bool

  init(base: Base, closer: StreamCloser, isMessage: @escaping @Sendable (Element) -> Bool) {
    self.base = base
    self.closer = closer
    self.isMessage = isMessage
  }

  struct AsyncIterator: AsyncIteratorProtocol {
    var base: Base.AsyncIterator
    let closer: StreamCloser
    let isMessage: @Sendable (Element) -> Bool
    var holding = false

    mutating func next() async throws -> Element? {
      if holding {
        holding = false
        closer.release()
      }
      do {
        guard let element = try await base.next() else {
          closer.close()
          return nil
        }
        holding = isMessage(element)
        return element
      } catch {
        closer.close()
        throw error
      }
    }
  }

  func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), closer: closer, isMessage: isMessage)
  }
}
