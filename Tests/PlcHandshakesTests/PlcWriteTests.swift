import PlcHandshakes
import Testing

@Test(
  "convenience writes land on the I/O map's addresses",
  arguments: [
    (PlcWrite.feeder(.feedRequest, true), PlcWrite.coil(address: 0, value: true)),
    (.feeder(.partTaken, false), .coil(address: 1, value: false)),
    (.feeder(.heartbeat, true), .coil(address: 2, value: true)),
    (.feeder(.faultReset, true), .coil(address: 3, value: true)),
    (.fixture(.clampRequest, false), .coil(address: 0, value: false)),
    (.fixture(.fastenStart, true), .coil(address: 1, value: true)),
    (.fixture(.resultAck, true), .coil(address: 2, value: true)),
    (.fixture(.heartbeat, false), .coil(address: 3, value: false)),
    (.fixture(.faultReset, true), .coil(address: 4, value: true)),
    (.program(7), .holdingRegister(address: 0, value: 7)),
    (.fixture(.program, 16), .holdingRegister(address: 0, value: 16)),
  ])
func convenienceWrites(_ write: PlcWrite, _ expected: PlcWrite) {
  #expect(write == expected)
}

@Test("each device's safe state clears every handshake coil and leaves HEARTBEAT alone")
func safeStateWrites() {
  #expect(
    PlcDevice.feeder.safeStateWrites == [
      .coil(address: 0, value: false), .coil(address: 1, value: false), .coil(address: 3, value: false),
    ])
  #expect(
    PlcDevice.fixture.safeStateWrites == [
      .coil(address: 0, value: false), .coil(address: 1, value: false), .coil(address: 2, value: false),
      .coil(address: 4, value: false),
    ])
  #expect(PlcDevice.feeder.heartbeatCoilAddress == 2)
  #expect(PlcDevice.fixture.heartbeatCoilAddress == 3)
  #expect(PlcDevice.feeder.faultResetCoilAddress == 3)
  #expect(PlcDevice.fixture.faultResetCoilAddress == 4)
}

@Test("tag names are spelled as in docs/plc-io-map.md")
func tagNames() {
  #expect(FeederIOMap.Coil.allCases.map(\.tagName) == ["FEED_REQUEST", "PART_TAKEN", "HEARTBEAT", "FAULT_RESET"])
  #expect(
    FeederIOMap.DiscreteInput.allCases.map(\.tagName) == ["FEEDER_READY", "PART_PRESENT", "FEEDER_FAULT", "ESTOP_OK"])
  #expect(FeederIOMap.InputRegister.allCases.map(\.tagName) == ["PARTS_REMAINING", "FAULT_CODE", "PARTS_FED"])
  #expect(
    FixtureIOMap.Coil.allCases.map(\.tagName) == [
      "CLAMP_REQUEST", "FASTEN_START", "RESULT_ACK", "HEARTBEAT", "FAULT_RESET",
    ])
  #expect(
    FixtureIOMap.DiscreteInput.allCases.map(\.tagName) == [
      "FIXTURE_READY", "NUT_SEATED", "CLAMPED", "FASTEN_BUSY", "FASTEN_DONE", "FASTEN_OK", "FIXTURE_FAULT", "ESTOP_OK",
    ])
  #expect(
    FixtureIOMap.InputRegister.allCases.map(\.tagName) == ["FINAL_TORQUE", "FINAL_ANGLE", "FAULT_CODE", "CYCLE_COUNT"])
  #expect(FixtureIOMap.HoldingRegister.allCases.map(\.tagName) == ["PROGRAM"])
}
