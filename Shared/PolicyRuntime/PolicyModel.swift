/// A loaded policy: an MLP with input and output normalisation (``NormalisedMLP``), described
/// by its file's `__metadata__` (``PolicyArchitecture``). Immutable and `Sendable`: one instance
/// serves many callers at once.
///
/// Tensors (all F32): `input.mean`, `input.std` [features]; `layers.<i>.weight` [in, out] and
/// `layers.<i>.bias` [out] for i = 0…; `output.mean`, `output.std` [outputs]. The network maps
/// `(x − input.mean) / input.std` through the layers (activation between them) to `z`, and
/// the raw outputs are `z × output.std + output.mean`.
public struct PolicyModel: Sendable {
  /// What the metadata says.
  public let architecture: PolicyArchitecture
  /// The network.
  public let network: NormalisedMLP

  /// The dense layers, input first.
  public var layers: [DenseLayer] { network.layers }
  /// Per-feature mean subtracted before the first layer.
  public var inputMean: [Float] { network.inputMean }
  /// Per-feature scale divided by before the first layer (never 0).
  public var inputStd: [Float] { network.inputStd }
  /// Per-output scale of the last layer's output.
  public var outputStd: [Float] { network.outputStd }
  /// Per-output offset added after scaling.
  public var outputMean: [Float] { network.outputMean }

  /// A model from its parts (the trainer builds one this way); checks every shape.
  public init(
    architecture: PolicyArchitecture, layers: [DenseLayer], inputMean: [Float], inputStd: [Float],
    outputMean: [Float], outputStd: [Float]
  ) throws(PolicyModelError) {
    self.architecture = architecture
    network = try NormalisedMLP(
      layerSizes: architecture.layerSizes, layers: layers, activation: architecture.activation, inputMean: inputMean,
      inputStd: inputStd, outputMean: outputMean, outputStd: outputStd)
  }

  /// A model from a parsed safetensors file.
  public init(file: SafetensorsFile) throws(PolicyModelError) {
    architecture = try PolicyArchitecture(metadata: file.metadata)
    network = try NormalisedMLP(file: file, layerSizes: architecture.layerSizes, activation: architecture.activation)
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
    SafetensorsFile(tensors: network.tensors, metadata: extraMetadata.merging(architecture.metadata) { _, new in new })
  }

  /// Number of weights and biases (normalisation not counted).
  public var parameterCount: Int { network.parameterCount }

  /// Raw features [N × inputs] → raw outputs [N × outputs]: one batched pass for N observations.
  public func forward(_ features: Matrix) -> Matrix { network.forward(features) }
}
