import Testing

@testable import PolicyRuntime

/// A file by hand: header text, then `data` bytes.
private func handMade(header: String, data: [UInt8]) -> [UInt8] {
  let h = Array(header.utf8)
  let out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) }
  return out + h + data
}

private func code(_ bytes: [UInt8]) -> SafetensorsError.Code? {
  do {
    _ = try SafetensorsFile(bytes: bytes)
    return nil
  } catch {
    return error.code
  }
}

@Suite struct SafetensorsTests {
  @Test func roundTripKeepsTensorsAndMetadata() throws {
    let file = SafetensorsFile(
      tensors: [
        "a": SafetensorsTensor(shape: [2, 3], values: [1, -2, 3.5, .pi, 0, -0.0]),
        "b.bias": SafetensorsTensor(shape: [1], values: [42]),
        "scalar": SafetensorsTensor(shape: [], values: [7]),
        "empty": SafetensorsTensor(shape: [0, 4], values: []),
      ],
      metadata: ["version": "v1", "quote\"and\\slash": "line\nbreak é"])
    let bytes = try file.encoded()
    #expect((bytes.count - 8) % 4 == 0)
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    #expect(headerLength % 8 == 0)
    let back = try SafetensorsFile(bytes: bytes)
    #expect(back == file)
  }

  @Test func readsAHandWrittenFile() throws {
    // 1.0 and 2.0 as F32 little-endian.
    let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
    let bytes = handMade(
      header: #"{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: data)
    let file = try SafetensorsFile(bytes: bytes)
    #expect(file["w"]?.values == [1, 2])
    #expect(file.metadata == ["k": "v"])
  }

  @Test(arguments: [
    // (header, data bytes, expected code)
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, SafetensorsError.Code.badOffsets),
    (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, .shapeSizeMismatch),
    (#"{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, 8, .unknownDtype),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, .badOffsets),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}}"#, 8, .badOffsets),
    (
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8,
      .overlappingTensors
    ),
    (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, .badOffsets),
    (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, .badOffsets),
    (#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, 8, .shapeSizeMismatch),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, 8, .invalidHeader),
    (#"[1,2]"#, 0, .invalidHeader),
    (#"{"w":{"dtype":"F32","shape":[2]}}"#, 8, .badOffsets),
    (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, 8, .invalidHeader),
    (#"{"__metadata__":{"k":1}}"#, 0, .invalidHeader),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 8, .invalidHeader),
  ])
  func refusesMalformedFiles(header: String, dataCount: Int, expected: SafetensorsError.Code) {
    #expect(code(handMade(header: header, data: [UInt8](repeating: 0, count: dataCount))) == expected)
  }

  @Test func refusesTruncatedFiles() throws {
    #expect(code([1, 2, 3]) == .truncatedFile)
    let good = try SafetensorsFile(tensors: ["w": SafetensorsTensor(shape: [4], values: [1, 2, 3, 4])]).encoded()
    // Header length claiming more than the file holds.
    #expect(code(Array(good.prefix(20))) == .truncatedFile)
    // Data cut short: the tensor's offsets now point past the end.
    #expect(code(Array(good.dropLast(4))) == .badOffsets)
    // Absurd header length.
    #expect(code([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .invalidHeader)
  }

  @Test func neverTrapsOnCorruptedBytes() throws {
    let good = try SafetensorsFile(
      tensors: ["w": SafetensorsTensor(shape: [2, 2], values: [1, 2, 3, 4])], metadata: ["version": "x"]
    ).encoded()
    // Every single-byte corruption either still parses or throws a typed error.
    var state: UInt64 = 12345
    for i in 0..<good.count {
      var bytes = good
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      bytes[i] ^= UInt8(truncatingIfNeeded: state >> 33) | 1
      _ = code(bytes)
    }
  }

  @Test func writerRefusesInconsistentTensors() {
    let file = SafetensorsFile(tensors: ["w": SafetensorsTensor(shape: [3], values: [1, 2])])
    #expect(throws: SafetensorsError.self) { try file.encoded() }
  }
}
