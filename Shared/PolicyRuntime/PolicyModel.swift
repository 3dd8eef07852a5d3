/// A loaded policy: an MLP with input and output normalisation, described by its file's
/// `__metadata__` (``PolicyArchitecture``). Immutable and `Sendable`: one instance serves many
/// callers at once.
///
/// Tensors (all F32): `input.mean`, `input.std` [features]; `layers.<i>.weight` [in, out] and
/// `layers.<i>.bias` [out] for i = 0…; `output.mean`, `output.std` [outputs]. The network maps
/// `(x − input.mean) / input.std` through the layers (activation between them) to `z`, and
/// the raw outputs are `z × output.std + output.mean`.
public struct PolicyModel: Sendable {
  /// What the metadata says.
  public let architecture: PolicyArchitecture
  /// The dense layers, input first.
  public let layers: [DenseLayer]
  /// Per-feature mean subtracted before the first layer.
  public let inputMean: [Float]
  /// Per-feature scale divided by before the first layer (never 0).
  public let inputStd: [Float]
  /// Per-output scale of the last layer's output.
  public let outputStd: [Float]
  /// Per-output offset added after scaling.
  public let outputMean: [Float]

  /// A model from its parts (the trainer builds one this way); checks every shape.
  public init(
    architecture: PolicyArchitecture, layers: [DenseLayer], inputMean: [Float], inputStd: [Float],
    outputMean: [Float], outputStd: [Float]
  ) throws(PolicyModelError) {
    let sizes = architecture.layerSizes
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
      throw PolicyModelError(.nonFiniteWeights, "input.std has a value ≤ 0 (features would divide by it)")
    }
    self.architecture = architecture
    self.layers = layers
    self.inputMean = inputMean
    self.inputStd = inputStd
    self.outputMean = outputMean
    self.outputStd = outputStd
  }

  /// A model from a parsed safetensors file.
  public init(file: SafetensorsFile) throws(PolicyModelError) {
    let architecture = try PolicyArchitecture(metadata: file.metadata)
    func tensor(_ name: String, shape: [Int]) throws(PolicyModelError) -> [Float] {
      guard let t = file[name] else { throw PolicyModelError(.missingTensor, "tensor \"\(name)\" is missing") }
      guard t.shape == shape else {
        throw PolicyModelError(.shapeMismatch, "tensor \"\(name)\" has shape \(t.shape), the architecture needs \(shape)")
      }
      return t.values
    }
    let sizes = architecture.layerSizes
    var layers: [DenseLayer] = []
    for i in 0..<(sizes.count - 1) {
      let w = try tensor("layers.\(i).weight", shape: [sizes[i], sizes[i + 1]])
      let b = try tensor("layers.\(i).bias", shape: [sizes[i + 1]])
      layers.append(DenseLayer(weight: Matrix(rows: sizes[i], columns: sizes[i + 1], values: w), bias: b))
    }
    try self.init(
      architecture: architecture, layers: layers,
      inputMean: try tensor("input.mean", shape: [sizes[0]]), inputStd: try tensor("input.std", shape: [sizes[0]]),
      outputMean: try tensor("output.mean", shape: [sizes.last!]),
      outputStd: try tensor("output.std", shape: [sizes.last!]))
  }

  /// A model from a file's bytes (the caller reads the file and hashes it).
  public init(bytes: [UInt8]) throws(PolicyModelError) {
    let file: SafetensorsFile
    do {
      file = try SafetensorsFile(bytes: bytes)
    } catch {
      throw PolicyModelError(.invalidFile, "not a valid safetensors file: \(error.message)", cause: error)
    }
    try self.init(file: file)
  }

  /// The model as a safetensors file (architecture in `__metadata__`, plus `extraMetadata`).
  public func file(extraMetadata: [String: String] = [:]) -> SafetensorsFile {
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
    return SafetensorsFile(tensors: tensors, metadata: extraMetadata.merging(architecture.metadata) { _, new in new })
  }

  /// Number of weights and biases (normalisation not counted).
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weight.values.count + $1.bias.count } }

  /// Raw features [N × inputs] → raw outputs [N × outputs]: one batched pass for N observations.
  public func forward(_ features: Matrix) -> Matrix {
    precondition(features.columns == inputMean.count, "forward: \(features.columns) features, model takes \(inputMean.count)")
    var x = features
    let width = x.columns
    x.values.withUnsafeMutableBufferPointer { p in
      for r in 0..<x.rows {
        for c in 0..<width { p[r * width + c] = (p[r * width + c] - inputMean[c]) / inputStd[c] }
      }
    }
    for (i, layer) in layers.enumerated() {
      var y = Matrix(rows: x.rows, columns: layer.outputCount)
      layer.forward(x, into: &y)
      if i < layers.count - 1 { architecture.activation.apply(inPlace: &y) }
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
