/// Why `workcell-train` could not write a dataset or read/write an array file.
struct DatasetExportError: Error, CustomStringConvertible {
  enum Code: String {
    /// The target exists and is not empty, or a directory or file could not be written.
    case cannotWrite = "cannot_write"
    /// The Python writer (training/write_dataset.py) is missing, would not start or failed.
    case writerFailed = "writer_failed"
    /// An array file (.npy) is not a 2-D little-endian float32 C-order array, or has NaN.
    case badArrayFile = "bad_array_file"
  }

  var code: Code
  var message: String

  init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  var description: String { "\(code.rawValue): \(message)" }
}
