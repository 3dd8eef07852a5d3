/// A safetensors file in memory: named F32 tensors and the string map `__metadata__`.
///
/// Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian header length N,
/// N bytes of UTF-8 JSON `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...,
/// "__metadata__": {"key": "value"}}`, then the data; offsets are relative to the data's start.
/// Reading validates everything and throws ``SafetensorsError``; it never traps on a bad file.
public struct SafetensorsFile: Sendable, Hashable {
  /// Tensors by name.
  public var tensors: [String: SafetensorsTensor]
  /// Free-form string metadata (`__metadata__`).
  public var metadata: [String: String]

  /// Largest header accepted, bytes (as the reference implementation).
  public static let maxHeaderBytes = 100_000_000

  /// A file from its tensors and metadata.
  public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The tensor named `name`, if present.
  public subscript(name: String) -> SafetensorsTensor? { tensors[name] }

  /// Reads and validates a file's bytes.
  public init(bytes: [UInt8]) throws(SafetensorsError) {
    guard bytes.count >= 8 else {
      throw SafetensorsError(.truncatedFile, "file has \(bytes.count) bytes, fewer than the 8-byte header length")
    }
    var headerLength: UInt64 = 0
    for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard headerLength <= UInt64(Self.maxHeaderBytes) else {
      throw SafetensorsError(.invalidHeader, "header length \(headerLength) exceeds \(Self.maxHeaderBytes) bytes")
    }
    let headerEnd = 8 + Int(headerLength)
    guard headerEnd <= bytes.count else {
      throw SafetensorsError(
        .truncatedFile, "header claims \(headerLength) bytes but only \(bytes.count - 8) follow the length")
    }
    let root: JSONValue
    do {
      root = try JSONParser.parse(Array(bytes[8..<headerEnd]))
    } catch {
      throw SafetensorsError(.invalidHeader, "header is not valid JSON: \(error.message)")
    }
    guard case .object(let members) = root else {
      throw SafetensorsError(.invalidHeader, "header is not a JSON object")
    }
    let dataCount = bytes.count - headerEnd
    var seen = Set<String>()
    var ranges: [(name: String, begin: Int, end: Int)] = []
    var shapes: [String: [Int]] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in members {
      guard seen.insert(name).inserted else { throw SafetensorsError(.invalidHeader, "key \"\(name)\" appears twice") }
      if name == "__metadata__" {
        guard case .object(let entries) = value else {
          throw SafetensorsError(.invalidHeader, "__metadata__ is not an object")
        }
        for (key, entry) in entries {
          guard case .string(let text) = entry else {
            throw SafetensorsError(.invalidHeader, "__metadata__ value for \"\(key)\" is not a string")
          }
          metadata[key] = text
        }
        continue
      }
      let (shape, begin, end) = try Self.entry(name: name, value)
      // Overflow-safe element count: a shape whose product exceeds the data cannot match anyway.
      var elements = 1
      for dimension in shape {
        let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
        guard !overflow, product <= dataCount / 4 + 1 else {
          throw SafetensorsError(.shapeSizeMismatch, "tensor \"\(name)\" shape \(shape) is larger than the file")
        }
        elements = product
      }
      guard begin <= end, end <= dataCount else {
        throw SafetensorsError(
          .badOffsets, "tensor \"\(name)\" data_offsets [\(begin), \(end)] outside the \(dataCount) data bytes")
      }
      guard end - begin == elements * 4 else {
        throw SafetensorsError(
          .shapeSizeMismatch, "tensor \"\(name)\" shape \(shape) needs \(elements * 4) bytes, offsets give \(end - begin)")
      }
      ranges.append((name, begin, end))
      shapes[name] = shape
    }
    ranges.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var cursor = 0
    var previous = ""
    for range in ranges {
      if range.begin < cursor {
        throw SafetensorsError(.overlappingTensors, "tensors \"\(previous)\" and \"\(range.name)\" share bytes")
      }
      if range.begin > cursor {
        throw SafetensorsError(.badOffsets, "data bytes \(cursor)..<\(range.begin) belong to no tensor (a hole)")
      }
      cursor = range.end
      previous = range.name
    }
    if cursor != dataCount {
      throw SafetensorsError(.badOffsets, "data bytes \(cursor)..<\(dataCount) belong to no tensor (trailing bytes)")
    }
    var tensors: [String: SafetensorsTensor] = [:]
    for range in ranges {
      let count = (range.end - range.begin) / 4
      var values = [Float](repeating: 0, count: count)
      var p = headerEnd + range.begin
      for i in 0..<count {
        let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
        values[i] = Float(bitPattern: bits)
        p += 4
      }
      tensors[range.name] = SafetensorsTensor(shape: shapes[range.name] ?? [], values: values)
    }
    self.tensors = tensors
    self.metadata = metadata
  }

  private static func entry(name: String, _ value: JSONValue) throws(SafetensorsError) -> ([Int], Int, Int) {
    guard case .object(let fields) = value else {
      throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" is not an object")
    }
    var dtype: String?
    var shape: [Int]?
    var offsets: [Int]?
    for (key, field) in fields {
      switch key {
      case "dtype":
        guard case .string(let text) = field else { throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" dtype is not a string") }
        dtype = text
      case "shape":
        guard case .array(let items) = field else { throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" shape is not an array") }
        var dims: [Int] = []
        for item in items {
          guard let dim = item.nonNegativeInteger else {
            throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" shape has a non-integer or negative dimension")
          }
          dims.append(dim)
        }
        shape = dims
      case "data_offsets":
        guard case .array(let items) = field, items.count == 2 else {
          throw SafetensorsError(.badOffsets, "tensor \"\(name)\" data_offsets is not a pair [begin, end]")
        }
        var pair: [Int] = []
        for item in items {
          guard let offset = item.nonNegativeInteger else {
            throw SafetensorsError(.badOffsets, "tensor \"\(name)\" data_offsets holds a non-integer or negative value")
          }
          pair.append(offset)
        }
        offsets = pair
      default:
        continue
      }
    }
    guard let dtype else { throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" has no dtype") }
    guard dtype == "F32" else {
      throw SafetensorsError(.unknownDtype, "tensor \"\(name)\" has dtype \(dtype); this runtime reads F32 only")
    }
    guard let shape else { throw SafetensorsError(.invalidHeader, "tensor \"\(name)\" has no shape") }
    guard let offsets else { throw SafetensorsError(.badOffsets, "tensor \"\(name)\" has no data_offsets") }
    return (shape, offsets[0], offsets[1])
  }

  /// The file's bytes: tensors in name order, header padded with spaces to a multiple of 8.
  /// Throws `shapeSizeMismatch` if a tensor's values do not fill its shape.
  public func encoded() throws(SafetensorsError) -> [UInt8] {
    var members: [(String, JSONValue)] = []
    if !metadata.isEmpty {
      members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
    }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let tensor = tensors[name]!
      guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.elementCount == tensor.values.count else {
        throw SafetensorsError(
          .shapeSizeMismatch, "tensor \"\(name)\" shape \(tensor.shape) does not hold \(tensor.values.count) values")
      }
      let end = offset + tensor.values.count * 4
      members.append(
        (
          name,
          .object([
            ("dtype", .string("F32")),
            ("shape", .array(tensor.shape.map { .number(String($0)) })),
            ("data_offsets", .array([.number(String(offset)), .number(String(end))])),
          ])
        ))
      offset = end
    }
    var header = Array(JSONValue.object(members).serialized().utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + header.count + offset)
    let length = UInt64(header.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
    out += header
    for name in names {
      for value in tensors[name]!.values {
        let bits = value.bitPattern
        out.append(UInt8(truncatingIfNeeded: bits))
        out.append(UInt8(truncatingIfNeeded: bits >> 8))
        out.append(UInt8(truncatingIfNeeded: bits >> 16))
        out.append(UInt8(truncatingIfNeeded: bits >> 24))
      }
    }
    return out
  }
}
