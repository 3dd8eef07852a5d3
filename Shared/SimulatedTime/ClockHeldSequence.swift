/// One stream's accounting on a clock: each message written holds the clock until its reader
/// takes the next (`ClockHeldSequence`); the stream's end — or its last reader going away —
/// releases whatever is still held. On the wall clock it does nothing.
public final class ClockStreamToken: Sendable {
  public let clock: any WorkcellClock
  public let stream: UInt64
  /// The reader's side closes the stream; a side that only reads a stream someone else opened
  /// (a handler reading its caller's messages) only releases.
  public let closes: Bool

  /// Opens a new stream on `clock` (`name` only for diagnostics).
  public init(clock: any WorkcellClock, name: String = "") {
    self.clock = clock
    self.stream = (clock as? SimulationClock)?.openStream(named: name) ?? clock.openStream()
    self.closes = true
  }

  /// Reads a stream opened elsewhere.
  public init(clock: any WorkcellClock, stream: UInt64, closes: Bool) {
    self.clock = clock
    self.stream = stream
    self.closes = closes
  }

  public func hold() { clock.holdMessage(stream: stream) }
  public func release() { clock.releaseMessage(stream: stream) }
  public func close() { if closes { clock.closeStream(stream) } }

  deinit { close() }
}

/// Reads `base`, releasing each message's hold when the next element is asked for and the whole
/// stream at its end (docs/simulation.md, "Simulated time").
public struct ClockHeldSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
  public typealias Element = Base.Element
  let base: Base
  let token: ClockStreamToken
  /// Whether an element was written as a message (e.g. trailing metadata is not).
  let isMessage: @Sendable (Element) -> Bool

  public init(base: Base, token: ClockStreamToken, isMessage: @escaping @Sendable (Element) -> Bool = { _ in true }) {
    self.base = base
    self.token = token
    self.isMessage = isMessage
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: Base.AsyncIterator
    let reading: Reading
    let isMessage: @Sendable (Element) -> Bool

    public mutating func next() async throws -> Element? {
      reading.done()
      do {
        guard let element = try await base.next() else {
          reading.token.close()
          return nil
        }
        if isMessage(element) { reading.holding = true }
        return element
      } catch {
        reading.token.close()
        throw error
      }
    }
  }

  /// The message a reader has in hand: released when it asks for the next, or when the reader
  /// goes away (an iterator dropped mid-stream).
  final class Reading: @unchecked Sendable {
    let token: ClockStreamToken
    var holding = false

    init(token: ClockStreamToken) { self.token = token }

    func done() {
      if holding {
        holding = false
        token.release()
      }
    }

    deinit { done() }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), reading: Reading(token: token), isMessage: isMessage)
  }
}

/// Makes `AsyncStream`s whose elements hold a clock.
public enum ClockHeldStream {
  /// An `AsyncStream` whose elements hold `clock` from `yield` until read, with its continuation.
  /// An element the buffer drops releases its hold at once.
  public static func make<Element: Sendable>(
    of type: Element.Type = Element.self, clock: any WorkcellClock,
    bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy = .unbounded
  ) -> (stream: ClockHeldSequence<AsyncStream<Element>>, continuation: ClockHeldContinuation<Element>) {
    let (stream, continuation) = AsyncStream.makeStream(of: type, bufferingPolicy: bufferingPolicy)
    let token = ClockStreamToken(clock: clock)
    continuation.onTermination = { _ in token.close() }
    return (ClockHeldSequence(base: stream, token: token), ClockHeldContinuation(base: continuation, token: token))
  }
}

/// The writing end of `ClockHeldSequence.makeStream`.
public struct ClockHeldContinuation<Element: Sendable>: Sendable {
  public let base: AsyncStream<Element>.Continuation
  let token: ClockStreamToken

  /// Yields `element`, holding the clock until it is read (or dropped).
  public func yield(_ element: Element) {
    token.hold()
    switch base.yield(element) {
    case .enqueued: break
    case .dropped, .terminated: token.release()
    @unknown default: token.release()
    }
  }

  public func finish() { base.finish() }

  public var onTermination: (@Sendable (AsyncStream<Element>.Continuation.Termination) -> Void)? {
    get { base.onTermination }
    nonmutating set {
      let token = self.token
      base.onTermination = { termination in
        token.close()
        newValue?(termination)
      }
    }
  }
}
