// libFuzzer harness (scripts/fuzz.sh modbus-frame): the Modbus TCP frame decoder, then the PDU
// decoders for requests and for answers to each kind of request. Compiled into the
// ModbusProtocol module's sources (internal access), never part of the package build.

@_cdecl("LLVMFuzzerTestOneInput")
public func modbusFrameFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var buffer = ArraySlice(UnsafeBufferPointer(start: data, count: size))
  // Frames back to back, as a TCP stream delivers them: decode until the buffer is short.
  while let frame = try? MBAPFrame.decode(from: &buffer) {
    _ = try? ModbusRequest.decode(frame.pdu[...])
    for request in [
      ModbusRequest.readCoils(address: 0, count: 16), .readDiscreteInputs(address: 0, count: 8),
      .readInputRegisters(address: 0, count: 4), .readHoldingRegisters(address: 0, count: 2),
      .writeSingleCoil(address: 1, value: true), .writeSingleRegister(address: 2, value: 7),
      .writeMultipleCoils(address: 0, values: [true, false, true]), .writeMultipleRegisters(address: 0, values: [1, 2]),
    ] {
      _ = try? ModbusResponse.decode(frame.pdu[...], answering: request)
    }
  }
  // The raw bytes as a PDU too.
  let raw = ArraySlice(UnsafeBufferPointer(start: data, count: size))
  _ = try? ModbusRequest.decode(raw)
  return 0
}
