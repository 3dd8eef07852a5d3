/// A fully connected layer `y = x · W + b`, W stored [inputs × outputs] row-major so a batch
/// multiplies with contiguous rows (safetensors `layers.<i>.weight` [in, out], `layers.<i>.bias` [out]).
public struct DenseLayer: Sendable, Hashable {
  /// Weights, [inputs × outputs].
  public var weight: Matrix
  /// Bias, one per output.
  public var bias: [Float]

  /// A layer from its weights and bias (`bias.count == weight.columns`).
  public init(weight: Matrix, bias: [Float]) {
    precondition(bias.count == weight.columns, "bias size must equal the layer's outputs")
    self.weight = weight
    self.bias = bias
  }

  /// Inputs per row.
  public var inputCount: Int { weight.rows }
  /// Outputs per row.
  public var outputCount: Int { weight.columns }

  /// `x · W + b` for a batch, into `output` ([x.rows × outputs]).
  public func forward(_ x: Matrix, into output: inout Matrix) {
    MatrixMultiply.multiply(x, weight, bias: bias, into: &output)
  }
}
