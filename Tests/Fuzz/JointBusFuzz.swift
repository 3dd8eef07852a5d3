// libFuzzer harness (scripts/fuzz.sh joint-bus): the joint-bus datagram decoders (state and
// command), on the raw bytes and on the bytes with a correct CRC sealed in, so the fuzzer gets
// past the checksum into the field parsing. Compiled into the JointBus module's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func jointBusFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  var state = JointBusState()
  var command = JointBusCommand()
  try? state.decode(bytes)
  try? command.decode(bytes)
  if bytes.count >= 8 {
    bytes.withUnsafeMutableBytes { JointBus.sealChecksum($0.baseAddress!, size: $0.count) }
    try? state.decode(bytes)
    try? command.decode(bytes)
  }
  return 0
}
