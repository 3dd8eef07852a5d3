import Testing

@testable import PolicyRuntime

/// A tiny model: all features → 2 hidden (ReLU) → 9 outputs (1 chunk step).
func tinyModel(activation: Activation = .relu, version: String = "tiny") throws -> PolicyModel {
  let architecture = PolicyArchitecture(
    version: version, layerSizes: [PolicyFeatures.count, 2, 9], activation: activation, chunkSteps: 1,
    stepPeriodMs: 20, jointNames: (1...7).map { "right_j\($0)" }, gripperNames: ["right_gripper"])
  // Hidden 0 = feature 0 (joint 1) − 1; hidden 1 = 2 × feature 7 (gripper width) + 0.5.
  var w0 = Matrix(rows: PolicyFeatures.count, columns: 2)
  w0[0, 0] = 1
  w0[7, 1] = 2
  var w1 = Matrix(rows: 2, columns: 9)
  for j in 0..<7 { w1[0, j] = Float(j + 1) }  // joint deltas = (j+1) · h0
  w1[1, 7] = 1  // width = h1
  w1[1, 8] = 10  // force = 10 · h1 + 3
  return try PolicyModel(
    architecture: architecture,
    layers: [
      DenseLayer(weight: w0, bias: [-1, 0.5]),
      DenseLayer(weight: w1, bias: [0, 0, 0, 0, 0, 0, 0, 0, 3]),
    ],
    inputMean: [Float](repeating: 0, count: PolicyFeatures.count),
    inputStd: [Float](repeating: 1, count: PolicyFeatures.count),
    outputMean: [Float](repeating: 0, count: 9), outputStd: [Float](repeating: 1, count: 9))
}

func observation(joint1: Double, width: Double, sequence: UInt64 = 0, at t: Double = 0) -> PolicyObservation {
  PolicyObservation(
    sequence: sequence, observedAtS: t, armJointPositionsRad: [joint1, 0, 0, -2, 0, 1.5, 0.7], gripperWidthM: width,
    nutPositionInTorsoM: [0.55, -0.35, 0.78], tcpPositionInTorsoM: [0.5, -0.3, 0.9],
    pinSeatInTorsoM: [0.55, -0.05, 0.776], nutYawRad: 0.1, splinePhaseDeg: 3, holding: false, seated: false,
    cycleStep: .reach)
}

@Suite struct ForwardTests {
  @Test func matrixProductsMatchNaiveLoops() {
    var state: UInt32 = 7
    func next() -> Float {
      state = state &* 1_664_525 &+ 1_013_904_223
      return Float(state >> 8) / Float(1 << 24) - 0.5
    }
    let a = Matrix(rows: 5, columns: 13, values: (0..<65).map { _ in next() })
    let b = Matrix(rows: 13, columns: 19, values: (0..<247).map { _ in next() })
    let bias = (0..<19).map { _ in next() }
    var c = Matrix(rows: 5, columns: 19)
    MatrixMultiply.multiply(a, b, bias: bias, into: &c)
    for i in 0..<5 {
      for j in 0..<19 {
        var sum = bias[j]
        for p in 0..<13 { sum += a[i, p] * b[p, j] }
        #expect(abs(c[i, j] - sum) < 1e-5)
      }
    }
    // aᵀ·x with x [5 × 19] → [13 × 19]; x·bᵀ with x [5 × 19] → [5 × 13].
    var at = Matrix(rows: 13, columns: 19)
    MatrixMultiply.multiplyTransposedA(a, c, into: &at)
    var bt = Matrix(rows: 5, columns: 13)
    MatrixMultiply.multiplyTransposedB(c, b, into: &bt)
    for p in 0..<13 {
      for j in 0..<19 {
        var sum: Float = 0
        for i in 0..<5 { sum += a[i, p] * c[i, j] }
        #expect(abs(at[p, j] - sum) < 1e-4)
      }
    }
    for i in 0..<5 {
      for p in 0..<13 {
        var sum: Float = 0
        for j in 0..<19 { sum += c[i, j] * b[p, j] }
        #expect(abs(bt[i, p] - sum) < 1e-4)
      }
    }
  }

  @Test func forwardMatchesHandComputedValues() throws {
    let model = try tinyModel()
    // joint1 = 1.5 → h0 = relu(0.5) = 0.5; width 0.04 → h1 = 0.58.
    let chunk = model.act(observation(joint1: 1.5, width: 0.04))
    let step = chunk.steps[0]
    let expectedJoints: [Double] = [1.5 + 0.5, 0 + 1.0, 0 + 1.5, -2 + 2.0, 0 + 2.5, 1.5 + 3.0, 0.7 + 3.5]
    for j in 0..<7 { #expect(abs(step.jointPositionsRad[j] - expectedJoints[j]) < 1e-5) }
    #expect(abs(step.gripperWidthsM[0] - 0.58) < 1e-6)
    #expect(abs(step.gripForcesN[0] - 8.8) < 1e-5)
    // joint1 = 0.5 → h0 = relu(−0.5) = 0: targets equal the joints.
    let still = model.act(observation(joint1: 0.5, width: 0.04)).steps[0]
    #expect(abs(still.jointPositionsRad[0] - 0.5) < 1e-6)
    #expect(abs(still.jointPositionsRad[6] - 0.7) < 1e-6)
  }

  @Test func activationsMatchTheirFormulas() {
    #expect(Activation.relu.apply(-1) == 0)
    #expect(abs(Activation.gelu.apply(1) - 0.841192) < 1e-5)
    #expect(abs(Activation.tanh.apply(0.5) - 0.462117) < 1e-5)
    // Derivatives against central differences.
    for activation in Activation.allCases {
      for x: Float in [-1.3, -0.2, 0.4, 2.1] {
        let numeric = (activation.apply(x + 1e-3) - activation.apply(x - 1e-3)) / 2e-3
        #expect(abs(activation.derivative(x) - numeric) < 1e-2)
      }
    }
  }

  @Test func normalisationIsApplied() throws {
    let base = try tinyModel()
    var mean = [Float](repeating: 0, count: PolicyFeatures.count)
    mean[0] = 1
    var std = [Float](repeating: 1, count: PolicyFeatures.count)
    std[0] = 2
    let model = try PolicyModel(
      architecture: base.architecture, layers: base.layers, inputMean: mean, inputStd: std,
      outputMean: [Float](repeating: 1, count: 9), outputStd: [Float](repeating: 2, count: 9))
    // joint1 = 5 → (5 − 1)/2 = 2 → h0 = 1 → joint-1 delta = (1 · 1) · 2 + 1 = 3.
    let step = model.act(observation(joint1: 5, width: 0)).steps[0]
    #expect(abs(step.jointPositionsRad[0] - 8) < 1e-5)
  }

  @Test func aBatchEqualsSingleForwards() throws {
    let model = try tinyModel(activation: .gelu)
    let observations = (0..<8).map { observation(joint1: 0.3 * Double($0), width: 0.01 * Double($0), sequence: UInt64($0)) }
    let batched = model.act(observations)
    for (i, o) in observations.enumerated() {
      #expect(model.act(o) == batched[i])
      #expect(batched[i].sequence == UInt64(i))
    }
  }

  @Test func modelSurvivesAFileRoundTripAndRefusesBadArchitectures() throws {
    let model = try tinyModel()
    let bytes = try model.file(extraMetadata: ["trained_by": "test"]).encoded()
    let loaded = try PolicyModel(bytes: bytes)
    #expect(loaded.parameterCount == model.parameterCount)
    #expect(loaded.act(observation(joint1: 1.5, width: 0.04)) == model.act(observation(joint1: 1.5, width: 0.04)))

    var file = model.file()
    file.metadata["layer_sizes"] = "32,3,9"
    #expect(throws: PolicyModelError.self) { try PolicyModel(file: file) }
    file = model.file()
    file.tensors["layers.1.bias"] = nil
    #expect {
      try PolicyModel(file: file)
    } throws: {
      ($0 as? PolicyModelError)?.code == .missingTensor
    }
    file = model.file()
    file.metadata["activation"] = "swish"
    #expect {
      try PolicyModel(file: file)
    } throws: {
      ($0 as? PolicyModelError)?.code == .invalidMetadata
    }
    #expect {
      try PolicyModel(bytes: [1, 2, 3])
    } throws: {
      ($0 as? PolicyModelError)?.cause?.code == .truncatedFile
    }
  }
}
