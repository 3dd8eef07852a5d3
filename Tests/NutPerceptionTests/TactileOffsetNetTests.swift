import CellWorld
import NutPerception
import PolicyRuntime
import Testing

@Suite("The learned tactile refinement's runtime (TactileOffsetNet)")
struct TactileOffsetNetTests {
  static let rows = TactileArray.rows, cols = TactileArray.cols
  static var inputs: Int { TactileOffsetNet.featureCount(rows: rows, cols: cols) }

  /// A one-hidden-layer file whose network answers `correction` for every input (zero weights,
  /// output.mean = the correction), with `metadata` overriding the valid keys.
  static func file(
    correction: (Float, Float) = (0.5, -0.25), metadata overrides: [String: String] = [:],
    weight: Float = 0
  ) throws -> [UInt8] {
    let hidden = 4
    var metadata = [
      "format": TactileOffsetNet.formatName, "version": "test-tac", "layer_sizes": "\(inputs),\(hidden),2",
      "activation": "relu", "feature_version": TactileOffsetNet.featureVersion, "rows": "\(rows)", "cols": "\(cols)",
    ]
    metadata.merge(overrides) { _, new in new }
    let tensors: [String: SafetensorsTensor] = [
      "input.mean": SafetensorsTensor(shape: [inputs], values: [Float](repeating: 0, count: inputs)),
      "input.std": SafetensorsTensor(shape: [inputs], values: [Float](repeating: 1, count: inputs)),
      "layers.0.weight": SafetensorsTensor(shape: [inputs, hidden], values: [Float](repeating: weight, count: inputs * hidden)),
      "layers.0.bias": SafetensorsTensor(shape: [hidden], values: [Float](repeating: 0, count: hidden)),
      "layers.1.weight": SafetensorsTensor(shape: [hidden, 2], values: [Float](repeating: 0, count: hidden * 2)),
      "layers.1.bias": SafetensorsTensor(shape: [2], values: [0, 0]),
      "output.mean": SafetensorsTensor(shape: [2], values: [correction.0, correction.1]),
      "output.std": SafetensorsTensor(shape: [2], values: [1, 1]),
    ]
    return try SafetensorsFile(tensors: tensors, metadata: metadata).encoded()
  }

  /// Both pads of a nut held `acrossM` off centre, `alongM` towards the palm, no noise.
  static func frames(acrossM: Double, alongM: Double = 0, forceN: Double = 20) throws -> (TactileFrame, TactileFrame) {
    var pads = [Float](repeating: 0, count: 2 * TactileArray.taxels)
    for finger in 0..<2 {
      TactilePad.drawLineContact(
        acrossM: finger == 0 ? acrossM : -acrossM, alongM: alongM, forceN: forceN, nut: .defaults, into: &pads,
        at: finger * TactileArray.taxels)
    }
    func frame(_ f: Int) throws -> TactileFrame {
      try TactileFrame(
        rows: rows, cols: cols, pitchMm: TactileArray.pitchMm,
        pressuresKPa: pads[(f * TactileArray.taxels)..<((f + 1) * TactileArray.taxels)].map(Double.init))
    }
    return (try frame(0), try frame(1))
  }

  @Test("the answer is the line fit's plus the network's correction")
  func addsTheCorrection() throws {
    let net = try TactileOffsetNet(bytes: Self.file(correction: (0.5, -0.25)))
    #expect(net.version == "test-tac" && net.rows == Self.rows && net.cols == Self.cols)
    let (a, b) = try Self.frames(acrossM: 0.001)
    let offset = try net.offsetMm(fingerA: a, fingerB: b, analyticAcrossMm: 1.0, analyticAlongMm: 0.2, forceN: 20)
    #expect(abs(offset.acrossMm - 1.5) < 1e-6)
    #expect(abs(offset.alongMm - (-0.05)) < 1e-6)
  }

  @Test("the features are both pads' taxels, then the fit's answer and the force")
  func featureLayout() throws {
    let (a, b) = try Self.frames(acrossM: 0.002, alongM: 0.001)
    let row = TactileOffsetNet.features(fingerA: a, fingerB: b, analyticAcrossMm: 2, analyticAlongMm: 1, forceN: 20)
    #expect(row.count == Self.inputs)
    #expect(TactileOffsetNet.featureNames(rows: Self.rows, cols: Self.cols).count == Self.inputs)
    #expect(Array(row[0..<TactileArray.taxels]) == a.pressuresKPa.map(Float.init))
    #expect(Array(row[TactileArray.taxels..<(2 * TactileArray.taxels)]) == b.pressuresKPa.map(Float.init))
    #expect(Array(row.suffix(3)) == [2, 1, 20])
  }

  @Test("the grasp sensor trusts the network for where the nut sits, and judges seated from it")
  func sensorUsesTheNetwork() throws {
    let (a, b) = try Self.frames(acrossM: 0.0002)
    let analytic = try TactileGraspSensor().estimate(fingerA: a, fingerB: b)
    #expect(analytic.grasp.holding && analytic.grasp.seated)
    let shifted = TactileGraspSensor(offsetNet: try TactileOffsetNet(bytes: Self.file(correction: (3, 0))))
    let learned = try shifted.estimate(fingerA: a, fingerB: b)
    #expect(abs(learned.grasp.contactCentroidXMm - (analytic.grasp.contactCentroidXMm + 3)) < 1e-5)
    #expect(abs(learned.nutOffsetInGripperMm.y - (analytic.nutOffsetInGripperMm.y + 3)) < 1e-5)
    #expect(!learned.grasp.seated)
    // Nothing held: the network is not asked (an empty grasp stays at 0).
    let empty = try TactileFrame(
      rows: Self.rows, cols: Self.cols, pitchMm: TactileArray.pitchMm,
      pressuresKPa: [Double](repeating: 0, count: TactileArray.taxels))
    let none = try shifted.estimate(fingerA: empty, fingerB: empty)
    #expect(!none.grasp.holding && none.grasp.contactCentroidXMm == 0)
  }

  @Test("files the runtime cannot run are refused with invalidModel, naming why", arguments: [
    (["format": "workcell-policy-mlp"], "format"),
    (["feature_version": "wc-tactile-0"], "wc-tactile-0"),
    (["layer_sizes": "200,4,2"], "201"),
    (["rows": "0"], "rows"),
    (["activation": "swish"], "activation"),
    (["version": ""], "version"),
  ])
  func refusesBadFiles(overrides: [String: String], mention: String) throws {
    let bytes = try Self.file(metadata: overrides)
    let error = #expect(throws: PerceptionError.self) { try TactileOffsetNet(bytes: bytes) }
    #expect(error?.code == .invalidModel)
    #expect(error?.message.contains(mention) == true)
  }

  @Test("non-finite weights, bytes that are not safetensors, and pads of another size are refused")
  func refusesBrokenInput() throws {
    let nan = #expect(throws: PerceptionError.self) { try TactileOffsetNet(bytes: Self.file(weight: .nan)) }
    #expect(nan?.code == .invalidModel)
    let junk = #expect(throws: PerceptionError.self) { try TactileOffsetNet(bytes: Array("not a model".utf8)) }
    #expect(junk?.code == .invalidModel)
    let net = try TactileOffsetNet(bytes: Self.file())
    let small = try TactileFrame(rows: 2, cols: 2, pitchMm: 1.6, pressuresKPa: [1, 1, 1, 1])
    let wrong = #expect(throws: PerceptionError.self) {
      try net.offsetMm(fingerA: small, fingerB: small, analyticAcrossMm: 0, analyticAlongMm: 0, forceN: 1)
    }
    #expect(wrong?.code == .inconsistentInputs)
  }
}
