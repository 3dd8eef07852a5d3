import Foundation
import SimulatedTime
import Logging
import ModbusProtocol
import ModbusTCP
import PlcHandshakes
import Prometheus
import ServiceLifecycle
import Synchronization

/// One PLC device of a side (its feeder or its fixture) as the bridge sees it: a Modbus TCP
/// connection, a poll loop that reads its inputs every period and toggles its heartbeat, and the
/// latest inputs for the handshakes and the safety stream.
final class PlcDeviceLink: Service, Sendable {
  /// One successful read of the device's inputs.
  struct Snapshot: Sendable {
    var discreteInputs: [Bool]
    var inputRegisters: [UInt16]
    /// Monotonic time of the read (for handshake timing and tag age).
    /// When it was read, on the bridge's clock (`PlcDeviceLink.now`).
    var readAt: Duration
    /// Wall-clock time of the read (for timestamps in responses).
    var readAtWall: Date
  }

  /// What the poll loop reports: new inputs, or that the device cannot be read.
  enum Event: Sendable {
    case inputs(Snapshot)
    case unreachable(reason: String)
  }

  /// Poll and heartbeat timing and per-request deadlines.
  struct Timing: Sendable {
    var pollPeriod: Duration
    var heartbeatPeriod: Duration
    var requestTimeout: Duration
  }

  let kind: PlcDevice
  let endpoint: PlcEndpoint
  let client: ModbusTCPClient
  let timing: Timing
  private let logger: Logger
  private let metrics: PlcMetrics
  private let state: Mutex<State>
  private let trigger: PollTrigger
  /// The bridge's clock: polls, heartbeats and ages run on it.
  let clock: any WorkcellClock
  private let origin: Duration

  /// Time on the bridge's clock since an arbitrary origin.
  var now: Duration { clock.elapsed }

  private struct State {
    var latest: Snapshot?
    var lastError: String?
    var watchers: [UInt64: ClockHeldContinuation<Event>] = [:]
    var nextWatcherID: UInt64 = 0
    var heartbeat: HeartbeatSchedule
    var lastReadAt: Duration?
    var lastFaultCode: UInt16 = 0
    /// The bridge's coils may not be what the handshakes believe (after a lost connection or a
    /// failed write): write the safe state before the device is used again.
    var needsSafeState = true
  }

  init(
    kind: PlcDevice, endpoint: PlcEndpoint, timing: Timing, metrics: PlcMetrics, logger: Logger,
    clock: any WorkcellClock = WallClock(), inProcess: InProcessModbus? = nil
  ) throws {
    self.clock = clock
    self.origin = clock.elapsed
    self.trigger = PollTrigger(clock: clock)
    self.state = Mutex(State(heartbeat: try HeartbeatSchedule(config: .init(period: timing.heartbeatPeriod))))
    self.kind = kind
    self.endpoint = endpoint
    self.timing = timing
    self.metrics = metrics
    var logger = logger
    logger[metadataKey: "side"] = "\(PlcEndpoint.name(of: endpoint.side))"
    logger[metadataKey: "device"] = "\(kind.rawValue)"
    self.logger = logger
    self.client = ModbusTCPClient(
      host: endpoint.host, port: endpoint.port,
      config: ModbusTCPClient.Config(
        connectTimeout: .seconds(1), reconnectMin: .milliseconds(100), reconnectMax: .seconds(5), maxInFlight: 4),
      inProcess: inProcess, logger: logger)
  }

  /// The latest inputs, if the device was read since it last became unreachable.
  var latest: Snapshot? { state.withLock { $0.latest } }

  /// How long a connected device may go unread before it counts as unreachable: the PLC's own
  /// heartbeat timeout (docs/plc-io-map.md: 1 s), after which it latches a fault anyway.
  static let staleAfter: Duration = .seconds(1)

  /// Why the device could not be read last, while it cannot.
  var lastProblem: String? { state.withLock { $0.lastError } }

  /// Events from now on: the latest inputs first (if any), then every poll result.
  func events() -> ClockHeldSequence<AsyncStream<Event>> {
    // On a simulated clock an event holds the clock until its reader takes the next one.
    let (stream, continuation) = ClockHeldStream.make(of: Event.self, clock: clock, bufferingPolicy: .bufferingNewest(1))
    let id: UInt64 = state.withLock { state in
      if let latest = state.latest { continuation.yield(.inputs(latest)) }
      let id = state.nextWatcherID
      state.nextWatcherID += 1
      state.watchers[id] = continuation
      return id
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
    }
    return stream
  }

  func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await self.client.run() }
      group.addTask {
        await cancelWhenGracefulShutdown { await self.pollLoop() }
      }
    }
  }

  private func pollLoop() async {
    await clock.activity("plc-bridge.\(PlcEndpoint.name(of: endpoint.side)).\(kind.rawValue).poll") {
      var next = now
      while !Task.isCancelled {
        await pollOnce()
        await toggleHeartbeatIfDue()
        trigger.served()
        // An early poll (pollNow) keeps the schedule; an overrun does not catch up in a burst.
        if now >= next { next = max(next + timing.pollPeriod, now) }
        await trigger.wait(until: next)
        if Task.isCancelled { return }
      }
    }
  }

  private func pollOnce() async {
    let started = ContinuousClock.now
    do {
      guard
        case .bits(let inputs) = try await client.send(
          .readDiscreteInputs(address: 0, count: kind.discreteInputCount), unit: endpoint.unitID,
          timeout: timing.requestTimeout),
        case .registers(let registers) = try await client.send(
          .readInputRegisters(address: 0, count: kind.inputRegisterCount), unit: endpoint.unitID,
          timeout: timing.requestTimeout)
      else { return }
      if state.withLock({ $0.needsSafeState }) {
        try await writeSafeState()
      }
      let snapshot = Snapshot(
        discreteInputs: inputs, inputRegisters: registers, readAt: now, readAtWall: clock.now())
      metrics.pollLatency(kind, endpoint).record(ContinuousClock.now - started)
      publish(.inputs(snapshot))
    } catch where error.code == .cancelled {
      return  // shutting down: not a PLC problem
    } catch {
      metrics.pollErrors(kind, endpoint, error.code.rawValue).increment()
      // One slow or busy answer on a live connection is not a lost PLC: handshakes keep waiting
      // on the last inputs until the connection drops or nothing was read for `staleAfter`.
      let lastRead = state.withLock { $0.lastReadAt }
      let stale = lastRead.map { now - $0 > Self.staleAfter } ?? true
      if client.connectionState != .connected || stale {
        publish(.unreachable(reason: error.description))
      } else {
        logger.debug("poll failed; keeping the last inputs", metadata: ["error": "\(error)"])
      }
    }
    if let lastRead = state.withLock({ $0.lastReadAt }) {
      metrics.tagAge(kind, endpoint).set((now - lastRead) / .seconds(1))
    }
  }

  private func toggleHeartbeatIfDue() async {
    let now = self.now - origin
    let value: Bool? = state.withLock { state in
      guard state.latest != nil else {
        state.heartbeat.restart()  // nothing to keep alive while unreachable; toggle at once after
        return nil
      }
      return state.heartbeat.due(now: now)
    }
    guard let value else { return }
    do {
      _ = try await write(.writeSingleCoil(address: kind.heartbeatCoilAddress, value: value))
    } catch {
      logger.warning("heartbeat write failed", metadata: ["error": "\(error)"])
    }
  }

  /// Reads the device now rather than at the next scheduled poll.
  func pollNow() { trigger.fire() }

  /// Performs one write on the device (never retried: a write may have taken effect). A failed
  /// write leaves the coils unknown, so the safe state is written before the next use.
  func write(_ request: ModbusRequest) async throws(ModbusClientError) -> ModbusResponse {
    do {
      return try await client.send(request, unit: endpoint.unitID, timeout: timing.requestTimeout, readRetries: 0)
    } catch {
      state.withLock { $0.needsSafeState = true }
      throw error
    }
  }

  /// Clears every handshake coil (PlcDevice.safeStateWrites), e.g. after a reconnect.
  private func writeSafeState() async throws(ModbusClientError) {
    for write in kind.safeStateWrites {
      guard case .coil(let address, let value) = write else { continue }
      _ = try await client.send(
        .writeSingleCoil(address: address, value: value), unit: endpoint.unitID, timeout: timing.requestTimeout,
        readRetries: 0)
    }
    state.withLock { $0.needsSafeState = false }
    logger.info("handshake coils written to their safe state (0)")
  }

  /// Reads the device's coils (for diagnostics).
  func readCoils() async throws(ModbusClientError) -> [Bool] {
    guard
      case .bits(let coils) = try await client.send(
        .readCoils(address: 0, count: kind.coilCount), unit: endpoint.unitID, timeout: timing.requestTimeout)
    else { return [] }
    return coils
  }

  private func publish(_ event: Event) {
    let watchers: [ClockHeldContinuation<Event>] = state.withLock { state in
      switch event {
      case .inputs(let snapshot):
        state.latest = snapshot
        state.lastError = nil
        state.lastReadAt = snapshot.readAt
        let faultCode = snapshot.faultStatus(of: kind)?.faultCode.rawValue ?? 0
        if faultCode != 0, faultCode != state.lastFaultCode {
          metrics.faults(kind, endpoint, faultCode).increment()
        }
        state.lastFaultCode = faultCode
      case .unreachable(let reason):
        let wasReachable = state.latest != nil || state.lastError == nil
        state.latest = nil
        state.needsSafeState = true
        if wasReachable || state.lastError != reason {
          logger.warning("PLC unreachable", metadata: ["reason": "\(reason)"])
        }
        state.lastError = reason
      }
      return Array(state.watchers.values)
    }
    metrics.connected(kind, endpoint).set(client.connectionState == .connected ? 1.0 : 0.0)
    for watcher in watchers { watcher.yield(event) }
  }
}

extension PlcDevice {
  /// How many discrete inputs, input registers and coils the device has (docs/plc-io-map.md).
  var discreteInputCount: UInt16 { UInt16(self == .feeder ? FeederIOMap.DiscreteInput.allCases.count : FixtureIOMap.DiscreteInput.allCases.count) }
  var inputRegisterCount: UInt16 { UInt16(self == .feeder ? FeederIOMap.InputRegister.allCases.count : FixtureIOMap.InputRegister.allCases.count) }
  var coilCount: UInt16 { UInt16(self == .feeder ? FeederIOMap.Coil.allCases.count : FixtureIOMap.Coil.allCases.count) }
}

extension PlcDeviceLink.Snapshot {
  /// ESTOP_OK, the fault bit and FAULT_CODE of `device`, decoded through the I/O map.
  func faultStatus(of device: PlcDevice) -> PlcFaultStatus? {
    switch device {
    case .feeder: FeederInputs(discreteInputs: discreteInputs, inputRegisters: inputRegisters).map(PlcFaultStatus.init)
    case .fixture: FixtureInputs(discreteInputs: discreteInputs, inputRegisters: inputRegisters).map(PlcFaultStatus.init)
    }
  }
}
