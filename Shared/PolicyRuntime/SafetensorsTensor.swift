/// One named F32 tensor: its shape and its elements in row-major order.
public struct SafetensorsTensor: Sendable, Hashable {
  /// Dimensions, outermost first (empty for a scalar).
  public var shape: [Int]
  /// Elements, row-major; `values.count` is the product of `shape`.
  public var values: [Float]

  /// A tensor from its shape and elements (the caller keeps them consistent; the writer checks).
  public init(shape: [Int], values: [Float]) {
    self.shape = shape
    self.values = values
  }

  /// Number of elements the shape holds.
  public var elementCount: Int { shape.reduce(1, *) }
}
