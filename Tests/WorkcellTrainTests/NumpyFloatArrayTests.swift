import Foundation
import Testing

@testable import WorkcellTrain

@Suite struct NumpyFloatArrayTests {
  @Test func roundTripsValuesExactly() throws {
    let values: [Float] = [0, -1.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 3.1415927, -0.0]
    let array = NumpyFloatArray(rows: 2, columns: 3, values: values)
    let bytes = array.encoded()
    #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
    // The data starts 64-byte aligned, after a header ending in a newline.
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
    let back = try NumpyFloatArray(bytes: bytes)
    #expect(back.rows == 2 && back.columns == 3)
    #expect(back.values.map(\.bitPattern) == values.map(\.bitPattern))
  }

  /// A file as `numpy.save(path, np.array([[1, 2]], dtype="<f4"))` writes it (NumPy 2.x, version 1.0).
  @Test func readsWhatNumpyWrites() throws {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }"
    header += String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
    bytes += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]  // 1.0, 2.0 little-endian
    let array = try NumpyFloatArray(bytes: bytes)
    #expect(array.rows == 1 && array.columns == 2 && array.values == [1, 2])
  }

  @Test(arguments: [
    ("'<f8'", "(1, 2)", false, "dtype"),
    ("'<f4'", "(2,)", false, "2-D"),
    ("'<f4'", "(1, 2)", true, "C order"),
    ("'<f4'", "(3, 2)", false, "data bytes"),
  ])
  func refusesWhatItCannotRead(descr: String, shape: String, fortran: Bool, reason: String) {
    var header = "{'descr': \(descr), 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    header += String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
    let bytes: [UInt8] =
      [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
      + [UInt8](repeating: 0, count: 8)
    #expect {
      _ = try NumpyFloatArray(bytes: bytes)
    } throws: { error in
      guard let error = error as? DatasetExportError else { return false }
      return error.code == .badArrayFile && error.message.contains(reason)
    }
  }

  @Test func refusesAFileThatIsNotNpy() {
    #expect(throws: DatasetExportError.self) { _ = try NumpyFloatArray(bytes: Array("PK\u{3}\u{4} not numpy".utf8)) }
  }
}
