import CellWorld
import NutPerception
import Testing

@Suite("Tactile refinement: one step and the loop")
struct RefinementTests {
  /// A synthetic grasp: the nut's true error from the goal; corrections reach it through a
  /// compliant arm (gain) and touch/vision measure it with noise.
  struct SyntheticGrasp {
    var errorMm: SIMD3<Double>
    var phaseDeg: Double
    var plantGain: Double
    var random: WorldRandom
  }

  static func measure(_ g: SyntheticGrasp) -> (SIMD3<Double>, Double?) {
    var r = g.random
    let noise = SIMD3(0, 0.01 * r.normal(), 0.01 * r.normal())
    return (g.errorMm + noise, g.phaseDeg + 0.15 * r.normal())
  }

  static func apply(_ g: SyntheticGrasp, _ step: RefinementStep) -> SyntheticGrasp {
    var next = g
    next.errorMm += step.deltaPositionMm * g.plantGain
    next.phaseDeg += step.deltaYawDeg * g.plantGain
    _ = next.random.next()
    return next
  }

  @Test("synthetic grasps converge within the budget of 8")
  func converges() throws {
    let refinement = TactileRefinement()
    var random = WorldRandom(seed: 99)
    var iterations: [Double] = []
    for _ in 0..<20 {
      let grasp = SyntheticGrasp(
        errorMm: SIMD3(0, random.uniform(-3, 3), random.uniform(-1, 1)), phaseDeg: random.uniform(-15, 15),
        plantGain: random.uniform(0.7, 1.1), random: WorldRandom(seed: random.next()))
      let outcome = try refinement.run(
        budget: 8, goal: RefinementGoal(), initial: grasp, measure: Self.measure, apply: Self.apply)
      #expect(outcome.converged)
      let final = outcome.state
      #expect(((final.errorMm * final.errorMm).sum()).squareRoot() < 0.25)
      #expect(abs(final.phaseDeg) < 1.5)
      iterations.append(Double(outcome.corrections))
    }
    print("refinement: corrections to converge \(AccuracyStats(values: iterations))")
  }

  @Test("a step moves against the error, clamps, predicts its residual; converged means zero step")
  func singleStep() throws {
    let refinement = TactileRefinement(gain: 0.8, maxStepMm: 2, maxStepDeg: 5)
    let step = try refinement.step(nutInGripperMm: SIMD3(0, 1, 0), splinePhaseDeg: 3, goal: RefinementGoal())
    #expect(!step.converged)
    #expect(abs(step.deltaPositionMm.y + 0.8) < 1e-9)
    #expect(abs(step.deltaYawDeg + 2.4) < 1e-9)
    #expect(abs(step.residualMm - 0.2) < 1e-9)
    #expect(abs(step.residualDeg - 0.6) < 1e-9)
    let big = try refinement.step(nutInGripperMm: SIMD3(0, 10, 0), splinePhaseDeg: 14, goal: RefinementGoal())
    #expect(abs(big.deltaPositionMm.y + 2) < 1e-9 && abs(big.deltaYawDeg + 5) < 1e-9)
    // Phase wraps at ± half a tooth: 16° on a 30° pitch is −14°.
    let wrapped = try refinement.step(nutInGripperMm: .zero, splinePhaseDeg: 16, goal: RefinementGoal())
    #expect(abs(wrapped.errorDeg + 14) < 1e-9)
    let done = try refinement.step(nutInGripperMm: SIMD3(0, 0.1, 0), splinePhaseDeg: nil, goal: RefinementGoal())
    #expect(done.converged && done.deltaPositionMm == .zero && done.deltaYawDeg == 0)
  }

  @Test("a spent budget stops the loop unconverged; bad goals are typed errors")
  func budgetAndErrors() throws {
    let refinement = TactileRefinement(gain: 0.3)
    let grasp = SyntheticGrasp(errorMm: SIMD3(0, 3, 0), phaseDeg: 10, plantGain: 1, random: WorldRandom(seed: 1))
    let outcome = try refinement.run(
      budget: 2, goal: RefinementGoal(), initial: grasp, measure: Self.measure, apply: Self.apply)
    #expect(!outcome.converged)
    #expect(outcome.corrections == 2)
    do {
      _ = try refinement.step(nutInGripperMm: .zero, splinePhaseDeg: 0, goal: RefinementGoal(toleranceMm: 0))
      Issue.record("expected invalidParameter")
    } catch {
      #expect(error.code == .invalidParameter)
    }
  }
}
