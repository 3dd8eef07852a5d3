// libFuzzer harness (scripts/fuzz.sh safetensors): the safetensors reader and the policy model
// loader on top of it (header JSON, dtypes, shapes, offsets, the model card's metadata).
// Compiled into the PolicyRuntime module's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func safetensorsFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? SafetensorsFile(bytes: bytes)
  _ = try? PolicyModel(bytes: bytes)
  return 0
}
