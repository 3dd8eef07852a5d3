import Foundation
import PolicyRuntime

/// `workcell-train --infer-features IN.npy --model FILE --out OUT.npy`: the Swift runtime's
/// forward pass (`PolicyModel.forward`: raw features → raw outputs, before chunk decoding) on
/// observations a test took from a dataset, for the parity test against PyTorch
/// (training/tests/test_parity.py). Returns the exit status.
enum InferFeaturesCommand {
  static func run(input: String, modelPath: String?, output: String?) -> Int32 {
    func fail(_ message: String) -> Int32 {
      FileHandle.standardError.write(Data("workcell-train: \(message)\n".utf8))
      return 1
    }
    guard let modelPath, let output else { return fail("--infer-features needs --model FILE and --out FILE.npy") }
    let model: PolicyModel
    do {
      model = try PolicyModel(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: modelPath))))
    } catch {
      return fail("--model \(modelPath): \(error)")
    }
    let features: NumpyFloatArray
    do {
      features = try NumpyFloatArray.read(input)
    } catch {
      return fail("--infer-features \(error.message)")
    }
    let encoding = model.architecture.features
    guard features.columns == encoding.count else {
      return fail(
        "--infer-features \(input): \(features.columns) columns; the model's features \(encoding.rawValue) have \(encoding.count)"
      )
    }
    if let bad = features.values.firstIndex(where: { !$0.isFinite }) {
      let column = bad % features.columns
      return fail(
        "--infer-features \(input): row \(bad / features.columns), column \(column) (\(encoding.names[column])) is \(features.values[bad])"
      )
    }
    let outputs = model.forward(Matrix(rows: features.rows, columns: features.columns, values: features.values))
    let array = NumpyFloatArray(rows: outputs.rows, columns: outputs.columns, values: outputs.values)
    do {
      try array.write(to: output)
    } catch {
      return fail("--out \(error.message)")
    }
    say(
      "inferred \(features.rows) observations with \(model.architecture.version) → \(output) (\(outputs.rows) × \(outputs.columns))"
    )
    return 0
  }
}
