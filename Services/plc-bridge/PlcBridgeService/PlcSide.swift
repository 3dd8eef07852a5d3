import Foundation
import SimulatedTime
import GRPCCore
import Logging
import ModbusProtocol
import ModbusTCP
import PlcHandshakes
import WorkcellProto

/// One side of the cell as the bridge drives it: the feeder and fixture links and their
/// handshake state machines. One operation per device at a time; each runs its machine on every
/// new poll of the device until the machine reports an outcome.
actor PlcSide {
  let side: Workcell_Common_V1_Side
  let feeder: PlcDeviceLink
  let fixture: PlcDeviceLink
  private let metrics: PlcMetrics
  private let logger: Logger
  private let origin: Duration
  private var clock: any WorkcellClock { feeder.clock }
  private var feederHandshake = FeederHandshake()
  private var fixtureHandshake = FixtureHandshake()
  private var busy: Set<PlcDevice> = []

  init(side: Workcell_Common_V1_Side, feeder: PlcDeviceLink, fixture: PlcDeviceLink, metrics: PlcMetrics, logger: Logger) {
    self.side = side
    self.feeder = feeder
    self.origin = feeder.clock.elapsed
    self.fixture = fixture
    self.metrics = metrics
    self.logger = logger
  }

  var sideName: String { PlcEndpoint.name(of: side) }

  /// Time on the machines' clock (from this side's creation).
  private func time(_ instant: Duration) -> Duration { instant - origin }

  // MARK: Feeder

  /// FEED_REQUEST until PART_PRESENT. Returns the outcome and the snapshot it was seen in.
  func requestPart() async throws -> (partsRemaining: UInt16, snapshot: PlcDeviceLink.Snapshot, wait: Duration?) {
    let (outcome, snapshot) = try await runFeeder(.requestPart) { machine, now, inputs in
      machine.requestPart(now: now, inputs: inputs)
    }
    guard case .presented(let remaining) = outcome else { throw unexpected(outcome) }
    return (remaining, snapshot, feederHandshake.lastWaitDuration)
  }

  /// PART_TAKEN until PART_PRESENT drops; both coils cleared.
  func confirmPartTaken() async throws -> PlcDeviceLink.Snapshot {
    let (outcome, snapshot) = try await runFeeder(.confirmTaken) { machine, now, inputs in
      machine.confirmTaken(now: now, inputs: inputs)
    }
    guard case .taken = outcome else { throw unexpected(outcome) }
    return snapshot
  }

  // MARK: Fixture

  /// Waits up to `seatWait` for NUT_SEATED, then CLAMP_REQUEST until CLAMPED.
  func clamp(seatWait: Duration) async throws -> (seated: Bool, clampTime: Duration?) {
    let (outcome, _) = try await runFixture(.clamp) { machine, now, inputs in
      machine.clamp(seatWait: seatWait, now: now, inputs: inputs)
    }
    switch outcome {
    case .notSeated: return (false, nil)
    case .clamped: return (true, fixtureHandshake.lastWaitDuration)
    default: throw unexpected(outcome)
    }
  }

  /// PROGRAM, FASTEN_START, and the result at FASTEN_DONE.
  func fasten(program: UInt16) async throws -> (FastenResult, Duration?) {
    let (outcome, _) = try await runFixture(.fasten) { machine, now, inputs in
      machine.fasten(program: program, now: now, inputs: inputs)
    }
    guard case .fastened(let result) = outcome else { throw unexpected(outcome) }
    return (result, fixtureHandshake.lastWaitDuration)
  }

  /// RESULT_ACK until FASTEN_DONE and CLAMPED drop; coils cleared.
  func releaseFixture() async throws -> Duration? {
    let (outcome, _) = try await runFixture(.release) { machine, now, inputs in
      machine.acknowledgeResult(now: now, inputs: inputs)
    }
    guard case .released = outcome else { throw unexpected(outcome) }
    return fixtureHandshake.lastWaitDuration
  }

  /// Pulses FAULT_RESET on `device` until its fault clears.
  func resetFault(_ device: PlcDevice) async throws {
    var machine = FaultReset(device: device)
    _ = try await operate(
      device, "reset",
      decode: { $0.faultStatus(of: device) },
      start: { now, status in machine.start(now: now, status: status) },
      poll: { now, status in machine.poll(now: now, status: status) },
      lost: { machine.connectionLost() },
      cancel: { now in machine.cancel(now: now) })
  }

  // MARK: Running a handshake

  private enum FeederOperation: String { case requestPart = "request_part", confirmTaken = "confirm_taken" }
  private enum FixtureOperation: String { case clamp, fasten, release }

  private func runFeeder(
    _ operation: FeederOperation,
    _ command: (inout FeederHandshake, Duration, FeederInputs) -> FeederHandshake.Decision
  ) async throws -> (FeederHandshake.Outcome, PlcDeviceLink.Snapshot) {
    try await operate(
      .feeder, operation.rawValue,
      decode: { FeederInputs(discreteInputs: $0.discreteInputs, inputRegisters: $0.inputRegisters) },
      start: { now, inputs in command(&self.feederHandshake, now, inputs) },
      poll: { now, inputs in self.feederHandshake.poll(now: now, inputs: inputs) },
      lost: { self.feederHandshake.connectionLost() },
      cancel: { now in self.feederHandshake.cancel(now: now) })
  }

  private func runFixture(
    _ operation: FixtureOperation,
    _ command: (inout FixtureHandshake, Duration, FixtureInputs) -> FixtureHandshake.Decision
  ) async throws -> (FixtureHandshake.Outcome, PlcDeviceLink.Snapshot) {
    try await operate(
      .fixture, operation.rawValue,
      decode: { FixtureInputs(discreteInputs: $0.discreteInputs, inputRegisters: $0.inputRegisters) },
      start: { now, inputs in command(&self.fixtureHandshake, now, inputs) },
      poll: { now, inputs in self.fixtureHandshake.poll(now: now, inputs: inputs) },
      lost: { self.fixtureHandshake.connectionLost() },
      cancel: { now in self.fixtureHandshake.cancel(now: now) })
  }

  /// One operation on one device: claimed exclusively, driven to its outcome, timed into the
  /// handshake metrics; a failed outcome leaves as the contract's gRPC status.
  private func operate<Inputs, Outcome: HandshakeOutcome>(
    _ device: PlcDevice, _ operation: String,
    decode: (PlcDeviceLink.Snapshot) -> Inputs?,
    start: (Duration, Inputs) -> HandshakeDecision<Outcome>,
    poll: (Duration, Inputs) -> HandshakeDecision<Outcome>,
    lost: () -> HandshakeDecision<Outcome>,
    cancel: (Duration) -> HandshakeDecision<Outcome>
  ) async throws -> (Outcome, PlcDeviceLink.Snapshot) {
    try await claim(device, for: operation)
    defer { busy.remove(device) }
    let started = ContinuousClock.now
    let result = try await drive(
      link: device == .feeder ? feeder : fixture, decode: decode, start: start, poll: poll, lost: lost,
      cancel: cancel)
    metrics.handshakeDuration(operation, result.0.failure?.code.rawValue ?? "ok").record(ContinuousClock.now - started)
    if let failure = result.0.failure { throw PlcBridgeError(failure, side: sideName) }
    return result
  }

  /// Takes the device for one operation. One that is still finishing (e.g. a cancelled call
  /// writing its coils back) is waited for briefly; a device busy longer is refused.
  private func claim(_ device: PlcDevice, for operation: String) async throws {
    let deadline = clock.elapsed + .seconds(1)
    while busy.contains(device), clock.elapsed < deadline {
      try await clock.sleep(seconds: 0.005)
    }
    guard !busy.contains(device) else {
      throw RPCError(
        code: .failedPrecondition,
        message: "Another operation is running on the \(sideName) \(device) (asked for \(operation)); "
          + "PLC handshakes on one device run one at a time.")
    }
    busy.insert(device)
  }

  /// Runs a machine: applies the command to the latest inputs, then every new poll, performing
  /// the writes each step asks for, until an outcome. Connection loss and the caller's
  /// cancellation go to the machine too; on cancellation its clean-up writes still go out.
  private func drive<Inputs, Outcome>(
    link: PlcDeviceLink,
    decode: (PlcDeviceLink.Snapshot) -> Inputs?,
    start: (Duration, Inputs) -> HandshakeDecision<Outcome>,
    poll: (Duration, Inputs) -> HandshakeDecision<Outcome>,
    lost: () -> HandshakeDecision<Outcome>,
    cancel: (Duration) -> HandshakeDecision<Outcome>
  ) async throws -> (Outcome, PlcDeviceLink.Snapshot) {
    let called = link.now
    var events = link.events().makeAsyncIterator()  // subscribed before the first write: no poll is missed
    let fresh = await firstFresh(link, after: called)
    try Task.checkCancellation()
    guard let first = fresh, let inputs = decode(first) else {
      throw RPCError(
        code: .unavailable,
        message: "The \(sideName) \(link.kind) PLC at \(link.endpoint.host):\(link.endpoint.port) (unit \(link.endpoint.unitID)) "
          + "cannot be read right now (\(link.lastProblem ?? "not connected yet")); the bridge keeps reconnecting.")
    }
    var latest = first
    var decision = start(time(first.readAt), inputs)
    while true {
      if !decision.writes.isEmpty {
        if await perform(decision.writes, on: link) {
          link.pollNow()  // read the PLC's reaction at once
        } else {
          decision = lost()
        }
      }
      if let outcome = decision.outcome { return (outcome, latest) }
      // The next poll needs time to pass: on a simulated clock the caller's hold is released
      // meanwhile (the event holds the clock from its publication until it is handled).
      guard let event = await link.clock.waitingOnOthers({ try? await events.next() }) ?? nil else {
        // The caller cancelled (or its deadline passed): clean up outside its cancellation.
        let cleanup = cancel(time(link.now))
        let writes = cleanup.writes
        await Task(executorPreference: SimExecutor.current) { _ = await self.perform(writes, on: link) }.value
        throw CancellationError()
      }
      switch event {
      case .inputs(let snapshot):
        latest = snapshot
        guard let inputs = decode(snapshot) else { continue }
        decision = poll(time(snapshot.readAt), inputs)
      case .unreachable:
        decision = lost()
      }
    }
  }

  /// The first inputs read after `called`. Start from inputs read after the call arrived: the
  /// previous step's writes (cleared coils, a taken part) must be visible, or the PLC would look
  /// busy. A PLC that is reconnecting or not yet polled gets a short grace; nil when it stays
  /// unreadable. The subscription ends with this call (on a simulated clock, what it still held
  /// is released).
  private func firstFresh(_ link: PlcDeviceLink, after called: Duration) async -> PlcDeviceLink.Snapshot? {
    let freshEvents = link.events()
    link.pollNow()
    let grace = max(link.timing.requestTimeout * 2 + link.timing.pollPeriod * 2, .seconds(1))
    return await withTaskGroup(of: PlcDeviceLink.Snapshot?.self) { group in
      group.addTask {
        do {
          for try await event in freshEvents {
            if case .inputs(let snapshot) = event, snapshot.readAt >= called { return snapshot }
          }
        } catch {}
        return nil
      }
      group.addTask {
        // Wall time: the poll asked for just now answers without simulated time passing.
        try? await Task.sleep(for: grace)
        return nil
      }
      defer { group.cancelAll() }
      return await group.next() ?? nil
    }
  }

  /// Performs writes in order; false if one failed (the link is treated as lost).
  private func perform(_ writes: [PlcWrite], on link: PlcDeviceLink) async -> Bool {
    for write in writes {
      let request: ModbusRequest =
        switch write {
        case .coil(let address, let value): .writeSingleCoil(address: address, value: value)
        case .holdingRegister(let address, let value): .writeSingleRegister(address: address, value: value)
        }
      do {
        _ = try await link.write(request)
      } catch {
        logger.warning("PLC write failed", metadata: ["write": "\(write)", "error": "\(error)"])
        return false
      }
    }
    return true
  }

  private func unexpected(_ outcome: some Sendable) -> RPCError {
    RPCError(code: .internalError, message: "PLC handshake ended with an unexpected outcome \(outcome); this is a bridge bug.")
  }
}

/// An outcome of a handshake machine, which may be a failure.
protocol HandshakeOutcome: Hashable, Sendable {
  var failure: PlcHandshakeError? { get }
}

extension FeederHandshake.Outcome: HandshakeOutcome {
  var failure: PlcHandshakeError? { if case .failed(let error) = self { error } else { nil } }
}

extension FixtureHandshake.Outcome: HandshakeOutcome {
  var failure: PlcHandshakeError? { if case .failed(let error) = self { error } else { nil } }
}

extension FaultReset.Outcome: HandshakeOutcome {
  var failure: PlcHandshakeError? { if case .failed(let error) = self { error } else { nil } }
}
