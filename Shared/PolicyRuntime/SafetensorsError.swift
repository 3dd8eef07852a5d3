/// Why a safetensors file was refused: a code to switch on and a message naming what is wrong.
public struct SafetensorsError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of problem the file has.
  public enum Code: String, Sendable, Hashable, CaseIterable {
    /// The file ends before its header length, its header or its data say it should.
    case truncatedFile
    /// The header is not a JSON object of the expected shape (or not UTF-8, or too large).
    case invalidHeader
    /// A tensor's `data_offsets` are not `[begin, end]` with begin ≤ end inside the data, or
    /// the tensors leave a hole in the data.
    case badOffsets
    /// Two tensors claim the same bytes.
    case overlappingTensors
    /// A dtype this runtime does not read (only F32 is supported).
    case unknownDtype
    /// A tensor's byte range does not hold exactly its shape's element count.
    case shapeSizeMismatch
  }

  /// What kind of problem.
  public var code: Code
  /// What is wrong, for a person (names the tensor where there is one).
  public var message: String

  /// An error with its code and message.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// `code: message`.
  public var description: String { "\(code.rawValue): \(message)" }
}
