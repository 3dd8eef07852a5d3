import Foundation
import ModbusProtocol
import ModbusTCP
import PlcHandshakes
import WorkcellProto

/// Turns what the links last read into the contract's safety and I/O messages.
enum SafetyReport {
  static func side(_ side: PlcSide) -> Workcell_Plc_V1_SideSafety {
    let feeder = device(side.feeder)
    let fixture = device(side.fixture)
    return .with {
      $0.side = side.side
      $0.estopOk = feeder.estopOk && fixture.estopOk
      $0.feeder = feeder
      $0.fixture = fixture
    }
  }

  static func device(_ link: PlcDeviceLink) -> Workcell_Plc_V1_DeviceStatus {
    // Values read before a disconnect say nothing now: unknown counts as an open chain.
    let connected = link.client.connectionState == .connected
    let snapshot = connected ? link.latest : nil
    return .with {
      $0.device = link.kind == .feeder ? .feeder : .fixture
      $0.connection = connection(link)
      guard let snapshot else { return }  // unknown: estop_ok stays false
      guard let status = snapshot.faultStatus(of: link.kind) else { return }
      $0.ready = snapshot.discreteInputs[0]  // FEEDER_READY / FIXTURE_READY
      $0.estopOk = status.estopOK
      $0.fault = status.faulted
      let code = Int(status.faultCode.rawValue)
      $0.faultCode = Workcell_Plc_V1_PlcFaultCode(rawValue: code) ?? .UNRECOGNIZED(code)
      $0.ageMs = UInt32(clamping: (link.now - snapshot.readAt).elapsedMilliseconds)
    }
  }

  static func connection(_ link: PlcDeviceLink) -> Workcell_Plc_V1_ConnectionState {
    switch link.client.connectionState {
    case .connected: .connected
    case .connecting: .connecting
    case .disconnected: .disconnected
    }
  }

  static func withoutAges(_ sides: [Workcell_Plc_V1_SideSafety]) -> [Workcell_Plc_V1_SideSafety] {
    sides.map { side in
      var side = side
      side.feeder.ageMs = 0
      side.fixture.ageMs = 0
      return side
    }
  }

  /// Every tag of a device: coils read now, inputs as last polled.
  static func io(of link: PlcDeviceLink) async -> Workcell_Plc_V1_DeviceIO {
    let snapshot = link.latest
    let coils = try? await link.readCoils()
    var program: UInt16?
    if link.kind == .fixture,
      case .registers(let registers)? = try? await link.client.send(
        .readHoldingRegisters(address: 0, count: 1), unit: link.endpoint.unitID, timeout: link.timing.requestTimeout)
    {
      program = registers.first
    }
    let inputAge = snapshot.map { UInt32(clamping: (link.now - $0.readAt).elapsedMilliseconds) } ?? UInt32.max
    var points: [Workcell_Plc_V1_IOPoint] = []
    /// Every tag of one table, valued from `values` (indexed by address) when they are known.
    func add<Tag: PlcTag>(_: Tag.Type, _ table: Workcell_Plc_V1_IOTable, _ values: [UInt16]?, age: UInt32) {
      guard let values else { return }
      for tag in Tag.allCases where Int(tag.rawValue) < values.count {
        points.append(
          .with {
            $0.name = tag.tagName
            $0.table = table
            $0.address = UInt32(tag.rawValue)
            $0.value = UInt32(values[Int(tag.rawValue)])
            $0.ageMs = age
          })
      }
    }
    let coilValues = coils?.map { $0 ? UInt16(1) : 0 }
    let inputValues = snapshot?.discreteInputs.map { $0 ? UInt16(1) : 0 }
    let registerValues = snapshot?.inputRegisters
    switch link.kind {
    case .feeder:
      add(FeederIOMap.Coil.self, .coil, coilValues, age: 0)
      add(FeederIOMap.DiscreteInput.self, .discreteInput, inputValues, age: inputAge)
      add(FeederIOMap.InputRegister.self, .inputRegister, registerValues, age: inputAge)
    case .fixture:
      add(FixtureIOMap.Coil.self, .coil, coilValues, age: 0)
      add(FixtureIOMap.DiscreteInput.self, .discreteInput, inputValues, age: inputAge)
      add(FixtureIOMap.InputRegister.self, .inputRegister, registerValues, age: inputAge)
      add(FixtureIOMap.HoldingRegister.self, .holdingRegister, program.map { [$0] }, age: 0)
    }
    return .with {
      $0.device = link.kind == .feeder ? .feeder : .fixture
      $0.endpoint = "\(link.endpoint.host):\(link.endpoint.port)"
      $0.unitID = UInt32(link.endpoint.unitID)
      $0.connection = connection(link)
      $0.points = points
    }
  }
}
