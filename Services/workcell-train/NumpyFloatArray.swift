/// A 2-D float32 array in NumPy's `.npy` format (versions 1.0–3.0, `<f4`, C order): how
/// `workcell-train --infer-features` exchanges observations and outputs with Python. Plain bytes,
/// no dependency: the format is a magic string, a header dict and the raw values.
struct NumpyFloatArray: Equatable {
  var rows: Int
  var columns: Int
  /// Row-major values, `rows × columns`.
  var values: [Float]

  init(rows: Int, columns: Int, values: [Float]) {
    precondition(values.count == rows * columns, "NumpyFloatArray: \(values.count) values for \(rows) × \(columns)")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// Parses a file's bytes; refuses anything but a 2-D `<f4` C-order array.
  init(bytes: [UInt8]) throws(DatasetExportError) {
    func bad(_ why: String) -> DatasetExportError { DatasetExportError(.badArrayFile, ".npy: \(why)") }
    guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
      throw bad("not a .npy file (no \\x93NUMPY magic)")
    }
    let major = bytes[6]
    let headerStart: Int
    let headerLength: Int
    switch major {
    case 1:
      headerStart = 10
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    case 2, 3:
      guard bytes.count >= 12 else { throw bad("truncated header") }
      headerStart = 12
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    default: throw bad("format version \(major) is not 1, 2 or 3")
    }
    guard headerStart + headerLength <= bytes.count else { throw bad("truncated header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard header.contains("'descr': '<f4'") else { throw bad("dtype is not little-endian float32 ('<f4'): \(header)") }
    guard header.contains("'fortran_order': False") else { throw bad("not in C order: \(header)") }
    guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
      throw bad("no shape in the header: \(header)")
    }
    let dimensions = header[open.upperBound..<close].split(separator: ",").map { $0.filter { $0 != " " } }.filter {
      !$0.isEmpty
    }
    guard dimensions.count == 2, let rows = Int(dimensions[0]), let columns = Int(dimensions[1]) else {
      throw bad("shape (\(header[open.upperBound..<close])) is not 2-D")
    }
    let dataStart = headerStart + headerLength
    guard bytes.count - dataStart == rows * columns * 4 else {
      throw bad("\(bytes.count - dataStart) data bytes for shape (\(rows), \(columns)) of float32")
    }
    var values = [Float](repeating: 0, count: rows * columns)
    for i in 0..<values.count {
      let o = dataStart + 4 * i
      let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
      values[i] = Float(bitPattern: bits)
    }
    self.init(rows: rows, columns: columns, values: values)
  }

  /// The array as a version 1.0 `.npy` file (header padded with spaces so the data is 64-byte aligned).
  func encoded() -> [UInt8] {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = header.utf8.count
    var out = Self.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    out.reserveCapacity(out.count + 4 * values.count)
    for v in values {
      let bits = v.bitPattern
      out += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
    }
    return out
  }
}
