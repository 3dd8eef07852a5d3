import Foundation

extension NumpyFloatArray {
  /// The array in the `.npy` file at `path`; the error names the file. (Values are not checked:
  /// a caller names a bad one in its own terms.)
  static func read(_ path: String) throws(DatasetExportError) -> NumpyFloatArray {
    let bytes: [UInt8]
    do {
      bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw DatasetExportError(.badArrayFile, "\(path): \(error.localizedDescription)")
    }
    let array: NumpyFloatArray
    do {
      array = try NumpyFloatArray(bytes: bytes)
    } catch {
      throw DatasetExportError(.badArrayFile, "\(path): \(error.message)")
    }
    return array
  }

  /// Writes the array as a `.npy` file at `path`.
  func write(to path: String) throws(DatasetExportError) {
    do {
      try Data(encoded()).write(to: URL(fileURLWithPath: path))
    } catch {
      throw DatasetExportError(.cannotWrite, "\(path): \(error.localizedDescription)")
    }
  }
}
