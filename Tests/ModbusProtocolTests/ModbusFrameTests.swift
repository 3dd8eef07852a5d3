import CellWorld
import Testing

@testable import ModbusProtocol

@Suite("Modbus TCP framing and PDUs")
struct ModbusFrameTests {
  /// Request encodings against byte strings worked out by hand from the Modbus Application
  /// Protocol specification v1.1b3 (§6.1–§6.12 examples use the same layouts).
  @Test("requests encode to the specification's bytes and decode back", arguments: [
    (ModbusRequest.readCoils(address: 19, count: 19), [0x01, 0x00, 0x13, 0x00, 0x13] as [UInt8]),
    (.readDiscreteInputs(address: 196, count: 22), [0x02, 0x00, 0xC4, 0x00, 0x16]),
    (.readHoldingRegisters(address: 107, count: 3), [0x03, 0x00, 0x6B, 0x00, 0x03]),
    (.readInputRegisters(address: 8, count: 1), [0x04, 0x00, 0x08, 0x00, 0x01]),
    (.writeSingleCoil(address: 172, value: true), [0x05, 0x00, 0xAC, 0xFF, 0x00]),
    (.writeSingleCoil(address: 2, value: false), [0x05, 0x00, 0x02, 0x00, 0x00]),
    (.writeSingleRegister(address: 1, value: 3), [0x06, 0x00, 0x01, 0x00, 0x03]),
    (
      .writeMultipleCoils(address: 19, values: [true, false, true, true, false, false, true, true, true, false]),
      [0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01]
    ),
    (.writeMultipleRegisters(address: 1, values: [0x000A, 0x0102]), [0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02]),
  ])
  func requestBytes(request: ModbusRequest, bytes: [UInt8]) throws {
    #expect(try request.encode() == bytes)
    #expect(try ModbusRequest.decode(bytes[...]) == request)
  }

  @Test("responses decode against their request and encode back", arguments: [
    (
      ModbusRequest.readCoils(address: 19, count: 19), [0x01, 0x03, 0xCD, 0x6B, 0x05] as [UInt8],
      ModbusResponse.bits([
        true, false, true, true, false, false, true, true,  // 0xCD
        true, true, false, true, false, true, true, false,  // 0x6B
        true, false, true,  // 0x05, padding ignored
      ])
    ),
    (.readHoldingRegisters(address: 107, count: 3), [0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64], .registers([555, 0, 100])),
    (.writeSingleCoil(address: 172, value: true), [0x05, 0x00, 0xAC, 0xFF, 0x00], .wroteSingle(address: 172, value: 0xFF00)),
    (.writeSingleRegister(address: 1, value: 3), [0x06, 0x00, 0x01, 0x00, 0x03], .wroteSingle(address: 1, value: 3)),
    (.writeMultipleRegisters(address: 1, values: [10, 258]), [0x10, 0x00, 0x01, 0x00, 0x02], .wroteMultiple(address: 1, count: 2)),
    (.readInputRegisters(address: 9, count: 1), [0x84, 0x02], .exception(.readInputRegisters, .illegalDataAddress)),
    (.writeSingleCoil(address: 0, value: true), [0x85, 0x06], .exception(.writeSingleCoil, .serverDeviceBusy)),
  ])
  func responseBytes(request: ModbusRequest, bytes: [UInt8], response: ModbusResponse) throws {
    #expect(try ModbusResponse.decode(bytes[...], answering: request) == response)
    // Encoding pads bits to whole bytes with zeros, as the specification requires.
    #expect(response.encode(answering: request) == bytes)
  }

  @Test("a response that does not answer its request is refused", arguments: [
    (ModbusRequest.readCoils(address: 0, count: 4), [0x02, 0x01, 0x00] as [UInt8], ModbusFrameError.Code.responseMismatch),
    (.readCoils(address: 0, count: 9), [0x01, 0x01, 0x00], .responseMismatch),
    (.readHoldingRegisters(address: 0, count: 2), [0x03, 0x04, 0x00, 0x01], .malformedPDU),
    (.writeSingleCoil(address: 3, value: true), [0x05, 0x00, 0x03, 0x00, 0x00], .responseMismatch),
    (.writeMultipleCoils(address: 0, values: [true, true]), [0x0F, 0x00, 0x00, 0x00, 0x03], .responseMismatch),
    (.readInputRegisters(address: 0, count: 1), [0x04, 0x02, 0x00, 0x01, 0xFF], .malformedPDU),
    (.readInputRegisters(address: 0, count: 1), [], .malformedPDU),
  ])
  func mismatchedResponse(request: ModbusRequest, bytes: [UInt8], code: ModbusFrameError.Code) {
    #expect {
      try ModbusResponse.decode(bytes[...], answering: request)
    } throws: { error in
      (error as? ModbusFrameError)?.code == code
    }
  }

  @Test("quantities outside the specification are refused before sending", arguments: [
    ModbusRequest.readCoils(address: 0, count: 0), .readCoils(address: 0, count: 2001),
    .readHoldingRegisters(address: 0, count: 126), .readInputRegisters(address: 65535, count: 2),
    .writeMultipleCoils(address: 0, values: []), .writeMultipleRegisters(address: 0, values: Array(repeating: 0, count: 124)),
  ])
  func quantityLimits(request: ModbusRequest) {
    #expect(throws: ModbusFrameError.self) { try request.encode() }
  }

  @Test("requests the server cannot serve are refused with the right error", arguments: [
    ([0x2B, 0x0E, 0x01, 0x00] as [UInt8], ModbusFrameError.Code.unsupportedFunction),
    ([0x05, 0x00, 0x01, 0x12, 0x34], .valueOutOfRange),
    ([0x03, 0x00, 0x00], .malformedPDU),
    ([0x0F, 0x00, 0x00, 0x00, 0x0A, 0x01, 0xFF], .malformedPDU),
    ([0x03, 0x00, 0x00, 0x00, 0x7E], .valueOutOfRange),
  ])
  func badRequests(bytes: [UInt8], code: ModbusFrameError.Code) {
    #expect {
      try ModbusRequest.decode(bytes[...])
    } throws: { error in
      (error as? ModbusFrameError)?.code == code
    }
  }

  @Test("MBAP frames round-trip and split a stream at frame boundaries")
  func framing() throws {
    let first = MBAPFrame(transactionID: 0x1234, unitID: 1, pdu: [0x03, 0x00, 0x00, 0x00, 0x01])
    let second = MBAPFrame(transactionID: 0xFFFF, unitID: 2, pdu: [0x84, 0x02])
    #expect(first.encode() == [0x12, 0x34, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01])
    let stream = first.encode() + second.encode()
    // Fed one byte at a time, frames come out only when complete.
    var buffer: ArraySlice<UInt8> = []
    var frames: [MBAPFrame] = []
    for byte in stream {
      buffer.append(byte)
      while let frame = try MBAPFrame.decode(from: &buffer) { frames.append(frame) }
    }
    #expect(frames == [first, second])
    #expect(buffer.isEmpty)
  }

  @Test("MBAP headers that cannot be Modbus TCP are refused", arguments: [
    ([0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01] as [UInt8], ModbusFrameError.Code.invalidProtocolIdentifier),
    ([0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01], .invalidLength),
    ([0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01], .invalidLength),
  ])
  func badHeaders(bytes: [UInt8], code: ModbusFrameError.Code) {
    var buffer = bytes[...]
    #expect {
      try MBAPFrame.decode(from: &buffer)
    } throws: { error in
      (error as? ModbusFrameError)?.code == code
    }
  }

  /// Random bytes, fed as frames, requests and responses: never a crash or a hang, always either
  /// a value or a clear `ModbusFrameError` (deterministic generator, so a failure reproduces).
  @Test("random bytes never crash the decoders")
  func fuzz() {
    var generator = WorldRandom(seed: 0x5EED_CE11)
    let requests: [ModbusRequest] = [
      .readCoils(address: 0, count: 4), .readDiscreteInputs(address: 0, count: 8),
      .readHoldingRegisters(address: 0, count: 1), .readInputRegisters(address: 0, count: 4),
      .writeSingleCoil(address: 1, value: true), .writeSingleRegister(address: 0, value: 7),
      .writeMultipleCoils(address: 0, values: [true, false, true]), .writeMultipleRegisters(address: 0, values: [1, 2]),
    ]
    var decodedSomething = 0
    var refused = 0
    for _ in 0..<20_000 {
      let length = Int(generator.next() % 24)
      var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      // Bias half the inputs towards plausible function codes so the deep paths run too.
      if !bytes.isEmpty, generator.next() % 2 == 0 { bytes[0] = [1, 2, 3, 4, 5, 6, 15, 16, 0x81, 0x83][Int(generator.next() % 10)] }
      do {
        _ = try ModbusRequest.decode(bytes[...])
        decodedSomething += 1
      } catch { refused += 1 }
      do {
        _ = try ModbusResponse.decode(bytes[...], answering: requests[Int(generator.next() % UInt64(requests.count))])
        decodedSomething += 1
      } catch { refused += 1 }
      var buffer = bytes[...]
      do {
        while try MBAPFrame.decode(from: &buffer) != nil {}
      } catch { refused += 1 }
    }
    #expect(decodedSomething > 0)
    #expect(refused > 0)
  }
}

