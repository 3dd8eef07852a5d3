/// A dense row-major matrix of `Float`: a batch of rows (observations) or a weight matrix.
public struct Matrix: Sendable, Hashable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns.
  public let columns: Int
  /// Elements, row-major: element (r, c) is `values[r * columns + c]`.
  public var values: [Float]

  /// A zero matrix.
  public init(rows: Int, columns: Int) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    values = [Float](repeating: 0, count: rows * columns)
  }

  /// A matrix from its row-major elements (`values.count == rows * columns`).
  public init(rows: Int, columns: Int, values: [Float]) {
    precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "matrix size mismatch")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// Element (row, column).
  @inlinable public subscript(row: Int, column: Int) -> Float {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  /// One row as an array.
  public func row(_ r: Int) -> [Float] { Array(values[(r * columns)..<((r + 1) * columns)]) }
}
