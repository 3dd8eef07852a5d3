import Foundation
import PolicyRuntime

/// TacRefineNet's learned part: from both fingertips' pressure images and the grasp state
/// (the analytic line fit's nut position and the total grip force), the correction to the line
/// fit's answer, so the nut's centre on the pads — across (finger a's columns, the gripper's y)
/// and along the fingers (towards the palm, the gripper's −z), mm — is the fit's plus the
/// network's. A network that has learned nothing answers ~0 and leaves the fit as it is. A
/// ``NormalisedMLP`` trained in PyTorch (training/train_tactile.py) on simulated grasps
/// (`workcell-train --tactile-dataset`); docs/perception.md, "Learned tactile refinement".
/// Immutable and `Sendable`.
///
/// File: safetensors with the network's tensors and `__metadata__` `format` =
/// `workcell-tactile-mlp`, `version`, `layer_sizes` (201,…,2), `activation`, `feature_version` =
/// `wc-tactile-1`, `rows`, `cols` (the pads the network reads).
public struct TactileOffsetNet: Sendable {
  /// `format` of tactile model files.
  public static let formatName = "workcell-tactile-mlp"
  /// The input encoding this runtime builds (``features(fingerA:fingerB:analyticAcrossMm:analyticAlongMm:forceN:)``).
  public static let featureVersion = "wc-tactile-1"
  /// Names of the outputs, in order.
  public static let outputNames = ["across_correction_mm", "along_correction_mm"]

  /// Model version (`version`).
  public let version: String
  /// Taxel rows and columns per pad the network was trained on.
  public let rows: Int, cols: Int
  /// The network.
  public let network: NormalisedMLP

  /// Inputs for `rows × cols` pads: finger a's taxels (kPa, row-major), finger b's, then the
  /// analytic across and along offsets (mm) and the total normal force (N).
  public static func featureCount(rows: Int, cols: Int) -> Int { 2 * rows * cols + 3 }

  /// Input names for `rows × cols` pads (the dataset's manifest lists them).
  public static func featureNames(rows: Int, cols: Int) -> [String] {
    var names: [String] = []
    for finger in ["a", "b"] {
      for r in 0..<rows { for c in 0..<cols { names.append("finger_\(finger).r\(r).c\(c).kpa") } }
    }
    return names + ["analytic.across_mm", "analytic.along_mm", "grip.normal_force_n"]
  }

  /// One input row (``featureNames(rows:cols:)`` order).
  public static func features(
    fingerA: TactileFrame, fingerB: TactileFrame, analyticAcrossMm: Double, analyticAlongMm: Double, forceN: Double
  ) -> [Float] {
    var row = fingerA.pressuresKPa.map(Float.init)
    row.reserveCapacity(fingerA.pressuresKPa.count * 2 + 3)
    row += fingerB.pressuresKPa.map(Float.init)
    row += [Float(analyticAcrossMm), Float(analyticAlongMm), Float(forceN)]
    return row
  }

  /// The network in the file at `path`; throws `invalidModel` naming what is wrong (an
  /// unreadable file included). Perception, `workcell demo` and `workcell-train` load it so.
  public init(contentsOfFile path: String) throws(PerceptionError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PerceptionError(code: .invalidModel, message: "cannot read it (missing or unreadable)")
    }
    try self.init(bytes: [UInt8](data))
  }

  /// A network from a file's bytes; throws `invalidModel` naming what is wrong.
  public init(bytes: [UInt8]) throws(PerceptionError) {
    func invalid(_ message: String) -> PerceptionError { PerceptionError(code: .invalidModel, message: message) }
    let file: SafetensorsFile
    do {
      file = try SafetensorsFile(bytes: bytes)
    } catch {
      throw invalid("not a valid safetensors file: \(error.message)")
    }
    let metadata = file.metadata
    guard metadata["format"] == Self.formatName else {
      throw invalid("__metadata__ \"format\" is \"\(metadata["format"] ?? "")\", expected \"\(Self.formatName)\"")
    }
    guard metadata["feature_version"] == Self.featureVersion else {
      throw invalid(
        "model reads features \"\(metadata["feature_version"] ?? "")\"; this runtime builds \"\(Self.featureVersion)\"")
    }
    guard let rows = metadata["rows"].flatMap({ Int($0) }), let cols = metadata["cols"].flatMap({ Int($0) }), rows > 0,
      cols > 0
    else { throw invalid("__metadata__ \"rows\" and \"cols\" must be positive integers") }
    let sizesText = metadata["layer_sizes"] ?? ""
    let sizes = sizesText.split(separator: ",").compactMap { Int($0.filter { $0 != " " }) }
    guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
      throw invalid("__metadata__ \"layer_sizes\" = \"\(sizesText)\" is not ≥ 2 positive integers")
    }
    guard sizes.first == Self.featureCount(rows: rows, cols: cols), sizes.last == Self.outputNames.count else {
      throw invalid(
        "layer_sizes \(sizes) must start with \(Self.featureCount(rows: rows, cols: cols)) inputs (\(rows)×\(cols) pads) "
          + "and end with \(Self.outputNames.count) outputs")
    }
    guard let activation = Activation(rawValue: metadata["activation"] ?? "") else {
      throw invalid("__metadata__ \"activation\" = \"\(metadata["activation"] ?? "")\" is not relu, gelu or tanh")
    }
    guard let version = metadata["version"], !version.isEmpty else { throw invalid("__metadata__ has no \"version\"") }
    do {
      network = try NormalisedMLP(file: file, layerSizes: sizes, activation: activation)
    } catch {
      throw invalid(error.description)
    }
    self.version = version
    self.rows = rows
    self.cols = cols
  }

  /// The corrections to the line fit, mm, for input rows [N × features]: one batched pass.
  public func correctionsMm(_ features: Matrix) -> [(acrossMm: Double, alongMm: Double)] {
    let out = network.forward(features)
    return (0..<out.rows).map { (Double(out[$0, 0]), Double(out[$0, 1])) }
  }

  /// The nut's centre on the pads from one grasp, mm; throws `inconsistentInputs` when the
  /// pads are not the size the network was trained on.
  public func offsetMm(
    fingerA: TactileFrame, fingerB: TactileFrame, analyticAcrossMm: Double, analyticAlongMm: Double, forceN: Double
  ) throws(PerceptionError) -> (acrossMm: Double, alongMm: Double) {
    guard fingerA.rows == rows, fingerA.cols == cols, fingerB.rows == rows, fingerB.cols == cols else {
      throw PerceptionError(
        code: .inconsistentInputs,
        message: "tactile model \(version) reads \(rows)×\(cols) pads; the frames are \(fingerA.rows)×\(fingerA.cols)")
    }
    let row = Self.features(
      fingerA: fingerA, fingerB: fingerB, analyticAcrossMm: analyticAcrossMm, analyticAlongMm: analyticAlongMm,
      forceN: forceN)
    let correction = correctionsMm(Matrix(rows: 1, columns: row.count, values: row))[0]
    return (analyticAcrossMm + correction.acrossMm, analyticAlongMm + correction.alongMm)
  }
}
