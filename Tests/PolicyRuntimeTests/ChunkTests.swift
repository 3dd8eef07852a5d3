import Foundation
import Testing

@testable import PolicyRuntime

@Suite struct ChunkTests {
  @Test func chunksAreStampedFromTheObservation() throws {
    let base = try tinyModel()
    // Three steps at 20 ms: replicate the tiny model's last layer three times.
    var a = base.architecture
    a.chunkSteps = 3
    a.layerSizes = [PolicyFeatures.count, 2, 27]
    let last = base.layers[1]
    var w = Matrix(rows: 2, columns: 27)
    var bias = [Float](repeating: 0, count: 27)
    for s in 0..<3 {
      for r in 0..<2 { for c in 0..<9 { w[r, s * 9 + c] = last.weight[r, c] * Float(s + 1) } }
      for c in 0..<9 { bias[s * 9 + c] = last.bias[c] }
    }
    let model = try PolicyModel(
      architecture: a, layers: [base.layers[0], DenseLayer(weight: w, bias: bias)], inputMean: base.inputMean,
      inputStd: base.inputStd, outputMean: [Float](repeating: 0, count: 27), outputStd: [Float](repeating: 1, count: 27))
    let chunk = model.act(observation(joint1: 1.5, width: 0.04, sequence: 41, at: 12.5))
    #expect(chunk.modelVersion == "tiny")
    #expect(chunk.sequence == 41)
    #expect(chunk.observedAtS == 12.5)
    #expect(abs(chunk.expiresAtS - 12.56) < 1e-9)
    #expect(chunk.stepPeriodMs == 20)
    #expect(abs(chunk.dueAtS(step: 2) - 12.54) < 1e-9)
    #expect(chunk.steps.count == 3)
    #expect(chunk.cycleStep == .reach)
    #expect(chunk.jointNames.count == 7 && chunk.gripperNames == ["right_gripper"])
    // Step s moves joint 1 by (s + 1) × 0.5 from the observed 1.5.
    for s in 0..<3 { #expect(abs(chunk.steps[s].jointPositionsRad[0] - (1.5 + 0.5 * Double(s + 1))) < 1e-5) }
  }

  @Test func gripperTargetsAreClampedAtZero() throws {
    let model = try tinyModel()
    let row: [Float] = [0, 0, 0, 0, 0, 0, 0, -0.01, -5]
    let chunk = model.decodeChunk(row, for: observation(joint1: 0, width: 0))
    #expect(chunk.steps[0].gripperWidthsM == [0])
    #expect(chunk.steps[0].gripForcesN == [0])
  }

  @Test func featuresFollowTheDocumentedLayout() {
    var o = observation(joint1: 0.25, width: 0.03)
    o.cycleStep = .insert
    o.holding = true
    let row = PolicyFeatures.matrix([o]).row(0)
    #expect(row.count == PolicyFeatures.count)
    #expect(row[0] == 0.25 && row[7] == 0.03)
    #expect(abs(row[13] - 0.2) < 1e-6)
    #expect(row[16] == 1 && row[17] == 0)
    #expect(row[18 + 7] == 1)
    #expect(row[18..<29].reduce(0, +) == 1)
    #expect(abs(row[29] - 0.05) < 1e-6 && abs(row[30] + 0.05) < 1e-6 && abs(row[31] + 0.12) < 1e-6)
    // The magnified copy: tanh(Δ / 10 mm).
    #expect(abs(row[32] - Float(tanh(5.0))) < 1e-5 && abs(row[33] + Float(tanh(5.0))) < 1e-5)
    var near = o
    near.nutPositionInTorsoM = near.tcpPositionInTorsoM + SIMD3(0.002, 0, -0.001)
    let fine = PolicyFeatures.matrix([near]).row(0)
    #expect(abs(fine[32] - Float(tanh(0.2))) < 1e-5 && fine[33] == 0 && abs(fine[34] + Float(tanh(0.1))) < 1e-5)
    // Nut − pin seat, raw and magnified.
    near.nutPositionInTorsoM = near.pinSeatInTorsoM + SIMD3(0.001, -0.002, 0.01)
    let pin = PolicyFeatures.matrix([near]).row(0)
    #expect(abs(pin[35] - 0.001) < 1e-6 && abs(pin[36] + 0.002) < 1e-6 && abs(pin[37] - 0.01) < 1e-6)
    #expect(abs(pin[38] - Float(tanh(0.1))) < 1e-5 && abs(pin[39] + Float(tanh(0.2))) < 1e-5)
    #expect(abs(pin[40] - Float(tanh(1.0))) < 1e-5)
  }
}
