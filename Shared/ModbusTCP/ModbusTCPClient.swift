import Logging
import ModbusProtocol
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Modbus TCP client for one PLC endpoint: one connection, kept up with reconnects and
/// backoff while the client runs, transaction ids matching answers to requests, a bound on
/// requests in flight, and a deadline on every request.
///
/// Run it as a `Service` (``run()``); ``send(_:unit:timeout:)`` may be called from any task.
public final class ModbusTCPClient: Service, Sendable {
  /// How the client connects and waits.
  public struct Config: Sendable {
    /// How long a connection attempt may take.
    public var connectTimeout: Duration
    /// The first wait before reconnecting; doubles per failed attempt up to `reconnectMax`.
    public var reconnectMin: Duration
    /// The longest wait between reconnection attempts.
    public var reconnectMax: Duration
    /// Requests on the wire at once; more wait their turn (within their deadline).
    public var maxInFlight: Int

    public init(connectTimeout: Duration, reconnectMin: Duration, reconnectMax: Duration, maxInFlight: Int) {
      self.connectTimeout = connectTimeout
      self.reconnectMin = reconnectMin
      self.reconnectMax = reconnectMax
      self.maxInFlight = maxInFlight
    }

    /// 1 s to connect, reconnect after 100 ms doubling to 5 s, 4 requests in flight.
    public static var defaults: Config {
      Config(connectTimeout: .seconds(1), reconnectMin: .milliseconds(100), reconnectMax: .seconds(5), maxInFlight: 4)
    }
  }

  /// Whether the client has a working connection.
  public enum ConnectionState: Hashable, Sendable {
    case connecting
    case connected
    case disconnected(reason: String)
  }

  public let host: String
  public let port: Int
  public let config: Config
  private let logger: Logger
  private let group: any EventLoopGroup
  private let state: Mutex<State>

  private struct Pending {
    let request: ModbusRequest
    let unit: UInt8
    let answer: EventLoopPromise<MBAPFrame>
  }

  private struct State {
    var connectionState: ConnectionState = .connecting
    var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    var pending: [UInt16: Pending] = [:]
    var nextTransactionID: UInt16 = 1
    var inFlight = 0
    var slotWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    var nextWaiterID: UInt64 = 0
  }

  /// `host:port`, for messages and metrics.
  public var endpoint: String { "\(host):\(port)" }

  /// Servers in this process that `port` may be answered by without TCP (`workcell demo`).
  private let inProcess: InProcessModbus?

  public init(
    host: String, port: Int, config: Config = .defaults,
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, inProcess: InProcessModbus? = nil, logger: Logger
  ) {
    self.host = host
    self.port = port
    self.inProcess = inProcess
    self.config = config
    self.group = group
    var logger = logger
    logger[metadataKey: "plc"] = "\(host):\(port)"
    self.logger = logger
    self.state = Mutex(State())
  }

  /// The current connection state.
  public var connectionState: ConnectionState { state.withLock { $0.connectionState } }

  /// Keeps the connection up until graceful shutdown or cancellation.
  public func run() async throws {
    await cancelWhenGracefulShutdown {
      var backoff = self.config.reconnectMin
      while !Task.isCancelled {
        do {
          try await self.connectAndServe()
          backoff = self.config.reconnectMin
        } catch is CancellationError {
          break
        } catch {
          self.logger.warning("PLC connection failed", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
          self.setDisconnected(reason: "\(error)")
        }
        self.setDisconnected(reason: "connection closed")
        guard (try? await Task.sleep(for: Self.jittered(backoff))) != nil else { break }
        backoff = min(backoff * 2, self.config.reconnectMax)
      }
    }
    setDisconnected(reason: "client stopped")
  }

  private func connectAndServe() async throws {
    updateConnectionState(.connecting)
    if let inProcess, inProcess.serves(port: port) {
      try await connectInProcess(inProcess)
      return
    }
    let channel = try await ClientBootstrap(group: group)
      .connectTimeout(.nanoseconds(Int64(config.connectTimeout.components.seconds) * 1_000_000_000
        + config.connectTimeout.components.attoseconds / 1_000_000_000))
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .connect(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MBAPFrameDecoder()))
          return try NIOAsyncChannel<MBAPFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    try await channel.executeThenClose { inbound, outbound in
      state.withLock { $0.writer = outbound }
      updateConnectionState(.connected)
      logger.info("PLC connected")
      for try await frame in inbound {
        deliver(frame)
      }
      logger.warning("PLC closed the connection")
    }
  }

  /// Sends `request` to device `unit` and waits at most `timeout` for its answer. A Modbus
  /// exception answer throws `.exception` with its code.
  /// - A busy answer (exception 06: not executed) is sent again, reads and writes alike, after
  ///   2, 4, 8 … 32 ms, while `timeout` allows and at most `Self.busyRetries` times.
  /// - A read that got no answer (or exception 05) is sent again at most `readRetries` times
  ///   while `timeout` allows; a write that got no answer is never sent again (it may have
  ///   taken effect).
  public func send(
    _ request: ModbusRequest, unit: UInt8, timeout: Duration, readRetries: Int = 2
  ) async throws(ModbusClientError) -> ModbusResponse {
    let deadline = ContinuousClock.now + timeout
    var otherRetries = 0
    var busyRetries = 0
    while true {
      do {
        return try await sendOnce(request, unit: unit, deadline: deadline)
      } catch {
        guard error.isRetryable(for: request), ContinuousClock.now < deadline else { throw error }
        if error.isBusy {
          busyRetries += 1
          guard busyRetries <= Self.busyRetries else { throw error }
          let backoff = Duration.milliseconds(1 << min(busyRetries, 5))
          guard ContinuousClock.now + backoff < deadline else { throw error }
          try? await Task.sleep(for: backoff)
        } else {
          otherRetries += 1
          guard otherRetries <= readRetries else { throw error }
        }
        logger.debug("retrying", metadata: ["request": "\(request)", "error": "\(error)"])
      }
    }
  }

  /// How often one request is sent again after busy answers (within its timeout).
  public static let busyRetries = 8

  private func sendOnce(
    _ request: ModbusRequest, unit: UInt8, deadline: ContinuousClock.Instant
  ) async throws(ModbusClientError) -> ModbusResponse {
    let pdu: [UInt8]
    do {
      pdu = try request.encode()
    } catch {
      throw ModbusClientError(.invalidRequest, endpoint: endpoint, error.message)
    }
    let frame: MBAPFrame
    do {
      if let inProcess, inProcess.serves(port: port) {
        // A server in this process answers within the call: no wire to wait on, no timer to set.
        frame = try await exchangeInProcess(inProcess, pdu: pdu, unit: unit)
      } else {
        frame = try await withDeadline(deadline) {
          try await self.acquireSlot()
          defer { self.releaseSlot() }
          try Task.checkCancellation()
          return try await self.exchange(pdu: pdu, request: request, unit: unit)
        }
      }
    } catch let error as ModbusClientError {
      throw error
    } catch is DeadlineExceeded {
      throw ModbusClientError(
        .timeout, endpoint: endpoint,
        "no answer to \(request.functionCode) at address \(request.address) (unit \(unit)) before the deadline; check that the PLC is running and the unit id is right")
    } catch is CancellationError {
      throw ModbusClientError(.cancelled, endpoint: endpoint, "\(request.functionCode) cancelled by the caller")
    } catch {
      throw ModbusClientError(.disconnected, endpoint: endpoint, "\(error)")
    }
    guard frame.unitID == unit else {
      throw ModbusClientError(
        .malformedResponse, endpoint: endpoint, "answer came from unit \(frame.unitID), the request went to unit \(unit)")
    }
    let response: ModbusResponse
    do {
      response = try ModbusResponse.decode(frame.pdu[...], answering: request)
    } catch {
      throw ModbusClientError(.malformedResponse, endpoint: endpoint, error.message)
    }
    if case .exception(let function, let code) = response {
      throw ModbusClientError(
        .exception, endpoint: endpoint,
        "PLC refused \(function) at address \(request.address) (unit \(unit)) with Modbus exception \(code)",
        exceptionCode: code)
    }
    return response
  }

  /// "Connected" while the server of `port` runs in this process; requests go to it directly.
  private func connectInProcess(_ inProcess: InProcessModbus) async throws {
    guard inProcess.server(port: port) != nil else {
      throw ModbusClientError(.disconnected, endpoint: endpoint, "no Modbus server on port \(port) in this process yet")
    }
    updateConnectionState(.connected)
    logger.info("PLC connected (in process)")
    while inProcess.server(port: port) != nil {
      try await Task.sleep(for: .milliseconds(100))
    }
    logger.warning("PLC closed the connection")
  }

  /// Hands the request PDU to the server in this process; its answer PDU is decoded as one from
  /// the wire (no transaction to match: the answer comes back from the call).
  private func exchangeInProcess(_ inProcess: InProcessModbus, pdu: [UInt8], unit: UInt8) async throws -> MBAPFrame {
    guard connectionState == .connected, let server = inProcess.server(port: port) else {
      throw ModbusClientError(
        .disconnected, endpoint: endpoint,
        "not connected to the PLC (\(connectionState)); the bridge keeps reconnecting")
    }
    return MBAPFrame(transactionID: 0, unitID: unit, pdu: await server.answer(pdu[...], unit: unit))
  }

  /// Writes the frame and waits for the answer with the same transaction id.
  private func exchange(pdu: [UInt8], request: ModbusRequest, unit: UInt8) async throws -> MBAPFrame {
    let (writer, transactionID): (NIOAsyncChannelOutboundWriter<ByteBuffer>?, UInt16) = state.withLock { state in
      var id = state.nextTransactionID
      while state.pending[id] != nil { id &+= 1 }
      state.nextTransactionID = id &+ 1
      return (state.writer, id)
    }
    guard let writer, connectionState == .connected else {
      throw ModbusClientError(
        .disconnected, endpoint: endpoint,
        "not connected to the PLC (\(connectionState)); the bridge keeps reconnecting")
    }
    let bytes = MBAPFrame(transactionID: transactionID, unitID: unit, pdu: pdu).encode()
    // Registered before writing, so an answer can never arrive ahead of its waiter.
    let answer = group.next().makePromise(of: MBAPFrame.self)
    state.withLock { $0.pending[transactionID] = Pending(request: request, unit: unit, answer: answer) }
    return try await withTaskCancellationHandler {
      do {
        try await writer.write(ByteBuffer(bytes: bytes))
      } catch {
        fail(transactionID, with: ModbusClientError(.disconnected, endpoint: endpoint, "write failed: \(error)"))
      }
      return try await answer.futureResult.get()
    } onCancel: {
      self.fail(transactionID, with: CancellationError())
    }
  }

  private func deliver(_ frame: MBAPFrame) {
    let pending = state.withLock { $0.pending.removeValue(forKey: frame.transactionID) }
    guard let pending else {
      logger.debug("answer for no waiting request (late, after its deadline)", metadata: ["transaction": "\(frame.transactionID)"])
      return
    }
    pending.answer.succeed(frame)
  }

  private func fail(_ transactionID: UInt16, with error: any Error) {
    let pending = state.withLock { $0.pending.removeValue(forKey: transactionID) }
    pending?.answer.fail(error)
  }

  private func setDisconnected(reason: String) {
    let failed: [Pending] = state.withLock { state in
      state.writer = nil
      let all = Array(state.pending.values)
      state.pending.removeAll()
      return all
    }
    if case .disconnected = connectionState {} else { updateConnectionState(.disconnected(reason: reason)) }
    for pending in failed {
      pending.answer.fail(
        ModbusClientError(
          .disconnected, endpoint: endpoint,
          "the connection dropped before the PLC answered \(pending.request.functionCode) (\(reason))"))
    }
  }

  private func updateConnectionState(_ new: ConnectionState) {
    state.withLock { $0.connectionState = new }
  }

  private func acquireSlot() async throws {
    let id: UInt64? = state.withLock { state in
      if state.inFlight < config.maxInFlight {
        state.inFlight += 1
        return nil
      }
      let id = state.nextWaiterID
      state.nextWaiterID += 1
      return id
    }
    guard let id else { return }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let admitted: Bool = state.withLock { state in
          if state.inFlight < config.maxInFlight {
            state.inFlight += 1
            return true
          }
          state.slotWaiters[id] = continuation
          return false
        }
        if admitted { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { $0.slotWaiters.removeValue(forKey: id) }
      waiter?.resume(throwing: CancellationError())
    }
  }

  private func releaseSlot() {
    let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
      if let (id, waiter) = state.slotWaiters.min(by: { $0.key < $1.key }) {
        state.slotWaiters.removeValue(forKey: id)
        return waiter  // the slot passes straight to the next waiter
      }
      state.inFlight -= 1
      return nil
    }
    next?.resume()
  }

  private static func jittered(_ duration: Duration) -> Duration {
    duration * Double.random(in: 0.8...1.2)
  }
}

/// Thrown by ``withDeadline(_:_:)`` when the deadline passes first.
struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` if `deadline` passes first.
func withDeadline<Result: Sendable>(
  _ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
  try await withThrowingTaskGroup(of: Result.self) { group in
    group.addTask { try await body() }
    group.addTask {
      try await Task.sleep(until: deadline, clock: .continuous)
      throw DeadlineExceeded()
    }
    defer { group.cancelAll() }
    return try await group.next()!
  }
}
