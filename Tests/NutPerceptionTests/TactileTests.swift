import CellWorld
import NutPerception
import Testing

@Suite("Touch: grasp state from the fingertip arrays")
struct TactileTests {
  @Test("nominal and offset grasps: offset in the gripper, force, seated (printed)")
  func graspAccuracy() throws {
    var errors: [Double] = []
    for (seed, variationMm) in [(UInt64(1), 0.0), (2, 0.0), (3, 0.0), (4, 1.5), (5, 3.0)] {
      var scenario = GraspScenario(
        seed: seed,
        injections: variationMm > 0 ? [FaultInjection(kind: .gripVariation, robot: 0, magnitude: variationMm)] : [])
      let held = scenario.runToHeld()
      #expect(held)
      let estimate = try scenario.tactile()
      let truth = scenario.world.truth(robot: 0)
      let offset = truth.gripOffsetM * 1000
      let error = estimate.nutOffsetInGripperMm - SIMD3(0, offset.y, offset.z)
      errors.append(((error * error).sum()).squareRoot())
      print(
        "touch seed \(seed) var \(variationMm): est \(estimate.nutOffsetInGripperMm) truth \(offset) force \(estimate.grasp.normalForceN) seated \(estimate.grasp.seated) conf \(estimate.confidence)"
      )
      #expect(estimate.grasp.holding)
      #expect(estimate.grasp.seated == (variationMm == 0))
    }
    print("touch accuracy: nut offset in gripper error mm \(AccuracyStats(values: errors))")
  }
}
