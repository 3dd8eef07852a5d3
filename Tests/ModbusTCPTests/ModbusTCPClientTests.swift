import Logging
import ModbusProtocol
import ServiceLifecycle
import Synchronization
import Testing

@testable import ModbusTCP

/// A device whose behaviour each test scripts: answers, exceptions, silence.
private final class ScriptedDevice: ModbusDevice, Sendable {
  enum Behaviour: Sendable {
    case answer
    case exception(ModbusExceptionCode)
    case busyThenAnswer(times: Int)
    case silent
  }

  let behaviour: Mutex<Behaviour>
  let requests = Mutex<[ModbusRequest]>([])

  init(_ behaviour: Behaviour) { self.behaviour = Mutex(behaviour) }

  func handle(_ request: ModbusRequest, unit: UInt8) async -> ModbusResponse {
    requests.withLock { $0.append(request) }
    let now: Behaviour = behaviour.withLock { behaviour in
      if case .busyThenAnswer(let times) = behaviour {
        behaviour = times > 1 ? .busyThenAnswer(times: times - 1) : .answer
        return .exception(.serverDeviceBusy)
      }
      return behaviour
    }
    switch now {
    case .answer, .busyThenAnswer:
      switch request {
      case .readDiscreteInputs(_, let count), .readCoils(_, let count):
        return .bits((0..<Int(count)).map { $0 % 2 == 0 })
      case .readInputRegisters(let address, let count), .readHoldingRegisters(let address, let count):
        return .registers((0..<count).map { address + $0 })
      case .writeSingleCoil(let address, let value):
        return .wroteSingle(address: address, value: value ? 0xFF00 : 0)
      case .writeSingleRegister(let address, let value):
        return .wroteSingle(address: address, value: value)
      case .writeMultipleCoils(let address, let values):
        return .wroteMultiple(address: address, count: UInt16(values.count))
      case .writeMultipleRegisters(let address, let values):
        return .wroteMultiple(address: address, count: UInt16(values.count))
      }
    case .exception(let code):
      return .exception(request.functionCode, code)
    case .silent:
      try? await Task.sleep(for: .seconds(30))
      return .exception(request.functionCode, .serverDeviceFailure)
    }
  }
}

@Suite("Modbus TCP client against an in-process Modbus TCP server")
struct ModbusTCPClientTests {
  /// Runs a server for `device` and a client connected to it for the duration of `body`.
  private func withClientAndServer(
    _ device: ScriptedDevice, maxInFlight: Int = 4, inProcess: Bool = false,
    _ body: @Sendable (ModbusTCPClient, ModbusTCPServer) async throws -> Void
  ) async throws {
    let logger = Logger(label: "test")
    // In process: the client hands its PDUs to the server's answering code (`workcell demo`).
    let links = inProcess ? InProcessModbus(ports: []) : nil
    let server = ModbusTCPServer(host: "127.0.0.1", port: 0, device: device, inProcess: links, logger: logger)
    try await withThrowingTaskGroup { group in
      group.addTask { try await server.run() }
      let port = try #require(await server.boundPort())
      let client = ModbusTCPClient(
        host: "127.0.0.1", port: port,
        config: .init(connectTimeout: .seconds(1), reconnectMin: .milliseconds(20), reconnectMax: .milliseconds(100), maxInFlight: maxInFlight),
        inProcess: links, logger: logger)
      group.addTask { try await client.run() }
      let deadline = ContinuousClock.now + .seconds(5)
      while client.connectionState != .connected, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(5))
      }
      try #require(client.connectionState == .connected)
      try await body(client, server)
      group.cancelAll()
    }
  }

  @Test("reads and writes round-trip with matched transaction ids, also many in flight (over TCP and in process)", arguments: [false, true])
  func roundTrips(inProcess: Bool) async throws {
    let device = ScriptedDevice(.answer)
    try await withClientAndServer(device, inProcess: inProcess) { client, _ in
      #expect(try await client.send(.readInputRegisters(address: 7, count: 3), unit: 2, timeout: .seconds(1)) == .registers([7, 8, 9]))
      #expect(try await client.send(.writeSingleCoil(address: 1, value: true), unit: 1, timeout: .seconds(1)) == .wroteSingle(address: 1, value: 0xFF00))
      // 50 concurrent reads with different addresses: each gets its own answer back. Four are in
      // flight at a time and a deadline counts the wait for a slot, so it is generous: this checks
      // matching, not speed (a loaded CI machine has taken over 2 s for the whole burst).
      try await withThrowingTaskGroup { group in
        for address in UInt16(0)..<50 {
          group.addTask {
            let answer = try await client.send(.readHoldingRegisters(address: address, count: 1), unit: 1, timeout: .seconds(15))
            #expect(answer == .registers([address]))
          }
        }
        try await group.waitForAll()
      }
    }
  }

  @Test("an exception answer is a typed error carrying its code; a write refused as busy (06: not executed) is sent again, a bounded number of times (over TCP and in process)", arguments: [false, true])
  func exceptions(inProcess: Bool) async throws {
    let device = ScriptedDevice(.exception(.illegalDataAddress))
    try await withClientAndServer(device, inProcess: inProcess) { client, _ in
      await #expect {
        try await client.send(.readCoils(address: 9, count: 1), unit: 1, timeout: .seconds(1))
      } throws: { error in
        let error = error as? ModbusClientError
        return error?.code == .exception && error?.exceptionCode == .illegalDataAddress
          && error?.message.contains("illegal data address (2)") == true
      }
      device.requests.withLock { $0.removeAll() }
      await #expect(throws: ModbusClientError.self) {
        try await client.send(.writeSingleCoil(address: 0, value: true), unit: 1, timeout: .seconds(1))
      }
      #expect(device.requests.withLock { $0.count } == 1, "an illegal address is not sent again")
      device.behaviour.withLock { $0 = .exception(.serverDeviceBusy) }
      device.requests.withLock { $0.removeAll() }
      await #expect {
        try await client.send(.writeSingleCoil(address: 0, value: true), unit: 1, timeout: .seconds(1))
      } throws: { ($0 as? ModbusClientError)?.isBusy == true }
      #expect(device.requests.withLock { $0.count } == 1 + ModbusTCPClient.busyRetries, "busy forever: bounded retries")
      // Busy twice, then executed: the write succeeds on its third sending.
      device.behaviour.withLock { $0 = .busyThenAnswer(times: 2) }
      device.requests.withLock { $0.removeAll() }
      let wrote = try await client.send(.writeSingleCoil(address: 3, value: true), unit: 1, timeout: .seconds(1))
      #expect(wrote == .wroteSingle(address: 3, value: 0xFF00))
      #expect(device.requests.withLock { $0.count } == 3)
    }
  }

  @Test("a busy PLC's reads are retried within the deadline")
  func busyRetry() async throws {
    let device = ScriptedDevice(.busyThenAnswer(times: 2))
    try await withClientAndServer(device) { client, _ in
      let answer = try await client.send(.readDiscreteInputs(address: 0, count: 4), unit: 1, timeout: .seconds(1), readRetries: 2)
      #expect(answer == .bits([true, false, true, false]))
      #expect(device.requests.withLock { $0.count } == 3)
    }
  }

  @Test("a silent PLC gives a timeout error at the deadline, not a hang")
  func timeout() async throws {
    let device = ScriptedDevice(.silent)
    try await withClientAndServer(device) { client, _ in
      let started = ContinuousClock.now
      await #expect {
        try await client.send(.writeSingleRegister(address: 0, value: 1), unit: 1, timeout: .milliseconds(200))
      } throws: { error in
        (error as? ModbusClientError)?.code == .timeout
      }
      let elapsed = ContinuousClock.now - started
      #expect(elapsed >= .milliseconds(200) && elapsed < .seconds(1))
      // A write that got no answer is not sent again: it may have taken effect.
      #expect(device.requests.withLock { $0.count } == 1)
    }
  }

  @Test("requests in flight are bounded: the fifth waits for a slot, within its deadline")
  func inFlightBound() async throws {
    let device = ScriptedDevice(.silent)
    try await withClientAndServer(device, maxInFlight: 2) { client, _ in
      try await withThrowingTaskGroup { group in
        for _ in 0..<4 {
          group.addTask {
            _ = try? await client.send(.readCoils(address: 0, count: 1), unit: 1, timeout: .seconds(2), readRetries: 0)
          }
        }
        // Two reach the wire (however loaded the machine), and no more while they are unanswered.
        let deadline = ContinuousClock.now + .milliseconds(1500)
        while device.requests.withLock({ $0.count }) < 2, ContinuousClock.now < deadline {
          try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(device.requests.withLock { $0.count } == 2, "only two requests reach the wire at once")
        try await group.waitForAll()
      }
    }
  }

  @Test("without a server the client reports disconnected at once and keeps reconnecting")
  func disconnected() async throws {
    let logger = Logger(label: "test")
    // A port nobody listens on: bind a server, learn its port, stop it.
    let probe = ModbusTCPServer(host: "127.0.0.1", port: 0, device: ScriptedDevice(.answer), logger: logger)
    let port: Int = try await withThrowingTaskGroup { group in
      group.addTask { try await probe.run() }
      let port = try #require(await probe.boundPort())
      group.cancelAll()
      return port
    }
    let client = ModbusTCPClient(
      host: "127.0.0.1", port: port,
      config: .init(connectTimeout: .milliseconds(200), reconnectMin: .milliseconds(20), reconnectMax: .milliseconds(50), maxInFlight: 1),
      logger: logger)
    try await withThrowingTaskGroup { group in
      group.addTask { try await client.run() }
      try await Task.sleep(for: .milliseconds(100))
      let started = ContinuousClock.now
      await #expect {
        try await client.send(.readCoils(address: 0, count: 1), unit: 1, timeout: .seconds(1), readRetries: 0)
      } throws: { error in
        (error as? ModbusClientError)?.code == .disconnected
      }
      #expect(ContinuousClock.now - started < .milliseconds(500), "fails fast instead of waiting out the 1 s deadline")
      if case .disconnected = client.connectionState {} else if client.connectionState == .connecting {} else {
        Issue.record("state is \(client.connectionState)")
      }
      group.cancelAll()
    }
  }
}
