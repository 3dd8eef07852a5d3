import MotionPlanning
import PolicyRuntime
import Testing

@Suite("Chunk limiter")
struct ChunkLimiterTests {
  let config = ScriptedChunkPlanner.Config()

  func chunk(_ rows: [[Double]]) -> PolicyChunk {
    PolicyChunk(
      modelVersion: "m", sequence: 0, observedAtS: 0, expiresAtS: 0.02 * Double(rows.count), stepPeriodMs: 20,
      jointNames: (1...7).map { "right_arm_joint_\($0)" }, gripperNames: ["right_gripper"], cycleStep: .insert,
      steps: rows.map { PolicyActionStep(jointPositionsRad: $0, gripperWidthsM: [0.01], gripForcesN: [20]) })
  }

  @Test("targets past a joint limit come back inside its margin; a step faster than the planner's speed is slowed as a whole")
  func limits() {
    let limiter = ChunkLimiter(config: config)
    let home: [Double] = [0, -0.785, 0, -2.356, 0, 1.571, 0.785]
    var past = home
    past[6] = config.jointMinRad[6] - 0.1
    var fast = past
    fast[6] = config.jointMinRad[6] + config.limitMarginRad
    fast[0] += 1.0
    fast[1] += 0.1
    let limited = limiter.limit(chunk([past, fast]), measuredRad: home)
    #expect(abs(limited.steps[0].jointPositionsRad[6] - (config.jointMinRad[6] + config.limitMarginRad)) < 1e-12)
    let step = limited.steps[1].jointPositionsRad
    let before = limited.steps[0].jointPositionsRad
    let most = config.jointSpeedMaxRadPerS[0] * config.speedFraction * 0.02
    #expect(abs(abs(step[0] - before[0]) - most) < 1e-9)
    // Scaled as a whole: joint 2 moved by the same fraction of its wish as joint 1.
    #expect(abs((step[1] - before[1]) / 0.1 - (step[0] - before[0]) / 1.0) < 1e-9)
    // 10 mm of a 45 mm opening is "closed".
    #expect(limited.steps.allSatisfy { $0.gripperWidthsM == [0] })
    // A chunk already inside (closed fingers) is left as it is; 30 mm opens.
    var inside = chunk([home, home])
    for i in inside.steps.indices { inside.steps[i].gripperWidthsM = [0] }
    #expect(limiter.limit(inside, measuredRad: home) == inside)
    var half = inside
    half.steps[1].gripperWidthsM = [0.03]
    #expect(limiter.limit(half, measuredRad: home).steps[1].gripperWidthsM == [config.openWidthM])
  }
}
