import Foundation
import NutPerception
import PolicyRuntime

/// `workcell-train --infer-tactile IN.npy --model FILE --out OUT.npy`: the Swift runtime's
/// ``TactileOffsetNet`` (its corrections, before they are added to the line fit) on feature rows a test took from a tactile dataset, for the parity test
/// against PyTorch (training/tests/test_tactile.py). Returns the exit status.
enum InferTactileCommand {
  static func run(input: String, modelPath: String?, output: String?) -> Int32 {
    func fail(_ message: String) -> Int32 {
      FileHandle.standardError.write(Data("workcell-train: \(message)\n".utf8))
      return 1
    }
    guard let modelPath, let output else { return fail("--infer-tactile needs --model FILE and --out FILE.npy") }
    let net: TactileOffsetNet
    do {
      net = try TactileOffsetNet(contentsOfFile: modelPath)
    } catch {
      return fail("--model \(modelPath): \(error.message)")
    }
    let features: NumpyFloatArray
    do {
      features = try NumpyFloatArray.read(input)
    } catch {
      return fail("--infer-tactile \(error.message)")
    }
    let width = TactileOffsetNet.featureCount(rows: net.rows, cols: net.cols)
    guard features.columns == width else {
      return fail("--infer-tactile \(input): \(features.columns) columns; \(net.version) reads \(width)")
    }
    if let bad = features.values.firstIndex(where: { !$0.isFinite }) {
      let name = TactileOffsetNet.featureNames(rows: net.rows, cols: net.cols)[bad % width]
      return fail("--infer-tactile \(input): row \(bad / width), column \(bad % width) (\(name)) is \(features.values[bad])")
    }
    let offsets = net.correctionsMm(Matrix(rows: features.rows, columns: width, values: features.values))
    let values = offsets.flatMap { [Float($0.acrossMm), Float($0.alongMm)] }
    do {
      try NumpyFloatArray(rows: offsets.count, columns: 2, values: values).write(to: output)
    } catch {
      return fail("--out \(error.message)")
    }
    say("inferred \(offsets.count) grasps with \(net.version) → \(output)")
    return 0
  }
}
