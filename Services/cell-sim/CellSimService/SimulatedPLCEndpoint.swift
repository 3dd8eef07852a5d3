import ModbusProtocol
import ModbusTCP
import PlcHandshakes
import SimulatedPLC
import SimulatedTime
import Synchronization

/// One side's PLC endpoint in the simulated cell: the feeder and the fixture behind one Modbus
/// TCP port, at their unit ids, as a plant might wire them to one PLC.
final class SimulatedPLCEndpoint: ModbusDevice, Sendable {
  let feederUnit: UInt8
  let fixtureUnit: UInt8
  /// The PLCs' scan clock: the host's, or the fleet's simulated clock.
  private let clock: any WorkcellClock
  private let origin: Duration
  private let devices: Mutex<(feeder: SimulatedFeeder, fixture: SimulatedFixture)>
  /// When an injected e-stop closes again (nil: stays open until closed explicitly).
  private let estopCloses = Mutex<Duration?>(nil)

  init(
    config: SimulatedPLCConfig, seed: UInt64, nutSeated: Bool, feederUnit: UInt8, fixtureUnit: UInt8,
    clock: any WorkcellClock = WallClock()
  ) {
    self.clock = clock
    self.origin = clock.elapsed
    self.feederUnit = feederUnit
    self.fixtureUnit = fixtureUnit
    var fixture = SimulatedFixture(config: config, seed: seed &+ 1)
    fixture.nutSeated = nutSeated
    devices = Mutex((SimulatedFeeder(config: config, seed: seed), fixture))
  }

  /// Simulated time since the endpoint started (the PLCs' scan clock).
  var now: Duration { clock.elapsed - origin }

  /// Changes the simulated devices (fault injection, the world placing a nut).
  func update<Result>(_ body: (inout SimulatedFeeder, inout SimulatedFixture, Duration) -> Result) -> Result {
    let now = self.now
    let closeChain = estopCloses.withLock { due in
      guard let closes = due, now >= closes else { return false }
      due = nil
      return true
    }
    return devices.withLock { devices in
      if closeChain {
        devices.feeder.setEstop(ok: true, now: now)
        devices.fixture.setEstop(ok: true, now: now)
      }
      devices.feeder.advance(to: now)
      devices.fixture.advance(to: now)
      return body(&devices.feeder, &devices.fixture, now)
    }
  }

  /// Closes the safety chain again `duration` from now (zero: it stays open).
  func closeEstopChain(after duration: Duration) {
    estopCloses.withLock { $0 = duration > .zero ? now + duration : nil }
  }

  func handle(_ request: ModbusRequest, unit: UInt8) async -> ModbusResponse {
    update { feeder, fixture, now in
      if unit == feederUnit {
        return Self.answer(
          request, coils: feeder.coils, discreteInputs: feeder.discreteInputs, inputRegisters: feeder.inputRegisters,
          holdingRegisters: [], writeCoil: { feeder.writeCoil($0, $1, now: now) },
          writeRegister: { _, _ in .illegalDataAddress })
      }
      if unit == fixtureUnit {
        return Self.answer(
          request, coils: fixture.coils, discreteInputs: fixture.discreteInputs,
          inputRegisters: fixture.inputRegisters, holdingRegisters: [fixture.program],
          writeCoil: { fixture.writeCoil($0, $1, now: now) },
          writeRegister: { fixture.writeRegister($0, $1, now: now) })
      }
      return .exception(request.functionCode, .gatewayTargetFailedToRespond)
    }
  }

  /// Answers a request from a device's tables; addresses past a table's end get exception 2.
  static func answer(
    _ request: ModbusRequest, coils: [Bool], discreteInputs: [Bool], inputRegisters: [UInt16],
    holdingRegisters: [UInt16], writeCoil: (UInt16, Bool) -> ModbusExceptionCode?,
    writeRegister: (UInt16, UInt16) -> ModbusExceptionCode?
  ) -> ModbusResponse {
    func slice<T>(_ table: [T], _ address: UInt16, _ count: UInt16) -> [T]? {
      let end = Int(address) + Int(count)
      return end <= table.count ? Array(table[Int(address)..<end]) : nil
    }
    let function = request.functionCode
    let illegalAddress = ModbusResponse.exception(function, .illegalDataAddress)
    switch request {
    case .readCoils(let address, let count):
      return slice(coils, address, count).map(ModbusResponse.bits) ?? illegalAddress
    case .readDiscreteInputs(let address, let count):
      return slice(discreteInputs, address, count).map(ModbusResponse.bits) ?? illegalAddress
    case .readInputRegisters(let address, let count):
      return slice(inputRegisters, address, count).map(ModbusResponse.registers) ?? illegalAddress
    case .readHoldingRegisters(let address, let count):
      return slice(holdingRegisters, address, count).map(ModbusResponse.registers) ?? illegalAddress
    case .writeSingleCoil(let address, let value):
      if let exception = writeCoil(address, value) { return .exception(function, exception) }
      return .wroteSingle(address: address, value: value ? 0xFF00 : 0)
    case .writeSingleRegister(let address, let value):
      if let exception = writeRegister(address, value) { return .exception(function, exception) }
      return .wroteSingle(address: address, value: value)
    case .writeMultipleCoils(let address, let values):
      guard Int(address) + values.count <= coils.count else { return illegalAddress }
      for (offset, value) in values.enumerated() {
        if let exception = writeCoil(address + UInt16(offset), value) { return .exception(function, exception) }
      }
      return .wroteMultiple(address: address, count: UInt16(values.count))
    case .writeMultipleRegisters(let address, let values):
      guard Int(address) + values.count <= holdingRegisters.count else { return illegalAddress }
      for (offset, value) in values.enumerated() {
        if let exception = writeRegister(address + UInt16(offset), value) { return .exception(function, exception) }
      }
      return .wroteMultiple(address: address, count: UInt16(values.count))
    }
  }
}
