import Testing

@testable import PolicyRuntime

@Suite struct ChunkDivergenceTests {
  static func chunk(_ joints: [String], _ steps: [[Double]]) -> PolicyChunk {
    PolicyChunk(
      modelVersion: "m", sequence: 1, observedAtS: 0, expiresAtS: 0.1, stepPeriodMs: 20, jointNames: joints,
      gripperNames: ["g"], cycleStep: .reach,
      steps: steps.map { PolicyActionStep(jointPositionsRad: $0, gripperWidthsM: [0.04], gripForcesN: [10]) })
  }

  @Test func theRMSCoversOnlyTheExecutedPrefixAndMatchesJointsByName() throws {
    let active = Self.chunk(["a", "b"], [[0, 0], [0, 0], [5, 5]])
    // Same joints listed the other way round: b differs by 0.3 in step 0, a by 0.4 in step 1;
    // the third step differs a lot but lies past the prefix.
    let shadow = Self.chunk(["b", "a"], [[0.3, 0], [0, 0.4], [0, 0]])
    let rms = try #require(active.jointDivergenceRad(from: shadow, prefixSteps: 2))
    #expect(abs(rms - ((0.09 + 0.16) / 4).squareRoot()) < 1e-12)
    let whole = try #require(active.jointDivergenceRad(from: shadow, prefixSteps: 10))
    #expect(whole > 2)
    #expect(active.jointDivergenceRad(from: active, prefixSteps: 3) == 0)
  }

  @Test func nothingToCompareIsNil() {
    let active = Self.chunk(["a"], [[1]])
    #expect(active.jointDivergenceRad(from: Self.chunk(["z"], [[1]]), prefixSteps: 1) == nil)
    #expect(active.jointDivergenceRad(from: Self.chunk(["a"], []), prefixSteps: 1) == nil)
    #expect(active.jointDivergenceRad(from: active, prefixSteps: 0) == nil)
  }
}
