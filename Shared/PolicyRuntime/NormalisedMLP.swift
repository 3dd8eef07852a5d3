/// A fully connected network with input and output normalisation, as the project's trainers
/// write it to safetensors: `input.mean`, `input.std` [inputs]; `layers.<i>.weight` [in, out]
/// and `layers.<i>.bias` [out] for i = 0…; `output.mean`, `output.std` [outputs] (all F32). It
/// maps `(x − input.mean) / input.std` through the layers (activation between them) to `z`, and
/// the raw outputs are `z × output.std + output.mean`. The policy (``PolicyModel``) and the
/// tactile refinement (NutPerception's `TactileOffsetNet`) are both one. Immutable, `Sendable`.
public struct NormalisedMLP: Sendable {
  /// The dense layers, input first.
  public let layers: [DenseLayer]
  /// Nonlinearity between layers (none after the last).
  public let activation: Activation
  /// Per-input mean subtracted before the first layer.
  public let inputMean: [Float]
  /// Per-input scale divided by before the first layer (never ≤ 0).
  public let inputStd: [Float]
  /// Per-output scale of the last layer's output.
  public let outputStd: [Float]
  /// Per-output offset added after scaling.
  public let outputMean: [Float]

  /// A network from its parts; checks that `layerSizes` (inputs, hidden…, outputs) matches the
  /// layers and normalisation, and that every value is finite.
  public init(
    layerSizes sizes: [Int], layers: [DenseLayer], activation: Activation, inputMean: [Float], inputStd: [Float],
    outputMean: [Float], outputStd: [Float]
  ) throws(PolicyModelError) {
    guard sizes.count >= 2 else { throw PolicyModelError(.shapeMismatch, "layer sizes \(sizes) need inputs and outputs") }
    guard layers.count == sizes.count - 1 else {
      throw PolicyModelError(.shapeMismatch, "\(layers.count) layers for layer_sizes \(sizes)")
    }
    for (i, layer) in layers.enumerated() where layer.inputCount != sizes[i] || layer.outputCount != sizes[i + 1] {
      throw PolicyModelError(
        .shapeMismatch, "layer \(i) is [\(layer.inputCount), \(layer.outputCount)], layer_sizes want [\(sizes[i]), \(sizes[i + 1])]")
    }
    guard inputMean.count == sizes[0], inputStd.count == sizes[0] else {
      throw PolicyModelError(.shapeMismatch, "input normalisation must have \(sizes[0]) values")
    }
    guard outputMean.count == sizes.last!, outputStd.count == sizes.last! else {
      throw PolicyModelError(.shapeMismatch, "output normalisation must have \(sizes.last!) values")
    }
    let finite =
      layers.allSatisfy { $0.weight.values.allSatisfy(\.isFinite) && $0.bias.allSatisfy(\.isFinite) }
      && (inputMean + inputStd + outputMean + outputStd).allSatisfy(\.isFinite)
    guard finite else { throw PolicyModelError(.nonFiniteWeights, "a weight or normalisation value is NaN or infinite") }
    guard inputStd.allSatisfy({ $0 > 0 }) else {
      throw PolicyModelError(.nonFiniteWeights, "input.std has a value ≤ 0 (inputs would divide by it)")
    }
    self.layers = layers
    self.activation = activation
    self.inputMean = inputMean
    self.inputStd = inputStd
    self.outputMean = outputMean
    self.outputStd = outputStd
  }

  /// The network `layerSizes` describes, from a parsed safetensors file's tensors.
  public init(file: SafetensorsFile, layerSizes sizes: [Int], activation: Activation) throws(PolicyModelError) {
    func tensor(_ name: String, shape: [Int]) throws(PolicyModelError) -> [Float] {
      guard let t = file[name] else { throw PolicyModelError(.missingTensor, "tensor \"\(name)\" is missing") }
      guard t.shape == shape else {
        throw PolicyModelError(.shapeMismatch, "tensor \"\(name)\" has shape \(t.shape), the architecture needs \(shape)")
      }
      return t.values
    }
    guard sizes.count >= 2 else { throw PolicyModelError(.shapeMismatch, "layer sizes \(sizes) need inputs and outputs") }
    var layers: [DenseLayer] = []
    for i in 0..<(sizes.count - 1) {
      let w = try tensor("layers.\(i).weight", shape: [sizes[i], sizes[i + 1]])
      let b = try tensor("layers.\(i).bias", shape: [sizes[i + 1]])
      layers.append(DenseLayer(weight: Matrix(rows: sizes[i], columns: sizes[i + 1], values: w), bias: b))
    }
    try self.init(
      layerSizes: sizes, layers: layers, activation: activation,
      inputMean: try tensor("input.mean", shape: [sizes[0]]), inputStd: try tensor("input.std", shape: [sizes[0]]),
      outputMean: try tensor("output.mean", shape: [sizes.last!]), outputStd: try tensor("output.std", shape: [sizes.last!]))
  }

  /// Inputs per row.
  public var inputCount: Int { inputMean.count }
  /// Outputs per row.
  public var outputCount: Int { outputMean.count }
  /// Number of weights and biases (normalisation not counted).
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weight.values.count + $1.bias.count } }

  /// The tensors a safetensors file holds for this network.
  public var tensors: [String: SafetensorsTensor] {
    var tensors: [String: SafetensorsTensor] = [
      "input.mean": SafetensorsTensor(shape: [inputMean.count], values: inputMean),
      "input.std": SafetensorsTensor(shape: [inputStd.count], values: inputStd),
      "output.mean": SafetensorsTensor(shape: [outputMean.count], values: outputMean),
      "output.std": SafetensorsTensor(shape: [outputStd.count], values: outputStd),
    ]
    for (i, layer) in layers.enumerated() {
      tensors["layers.\(i).weight"] = SafetensorsTensor(shape: [layer.inputCount, layer.outputCount], values: layer.weight.values)
      tensors["layers.\(i).bias"] = SafetensorsTensor(shape: [layer.outputCount], values: layer.bias)
    }
    return tensors
  }

  /// Raw inputs [N × inputs] → raw outputs [N × outputs]: one batched pass for N rows.
  public func forward(_ inputs: Matrix) -> Matrix {
    precondition(inputs.columns == inputMean.count, "forward: \(inputs.columns) inputs, the network takes \(inputMean.count)")
    var x = inputs
    let width = x.columns
    x.values.withUnsafeMutableBufferPointer { p in
      for r in 0..<x.rows {
        for c in 0..<width { p[r * width + c] = (p[r * width + c] - inputMean[c]) / inputStd[c] }
      }
    }
    for (i, layer) in layers.enumerated() {
      var y = Matrix(rows: x.rows, columns: layer.outputCount)
      layer.forward(x, into: &y)
      if i < layers.count - 1 { activation.apply(inPlace: &y) }
      x = y
    }
    let outputs = x.columns
    x.values.withUnsafeMutableBufferPointer { p in
      for r in 0..<x.rows {
        for c in 0..<outputs { p[r * outputs + c] = p[r * outputs + c] * outputStd[c] + outputMean[c] }
      }
    }
    return x
  }
}
