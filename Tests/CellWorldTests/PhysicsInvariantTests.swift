import CellWorld
import Testing

@Suite("CellWorld physics invariants")
struct PhysicsInvariantTests {
  @Test("a fresh world holds its home pose and stands")
  func holdsHome() {
    var world = CellWorld(seed: 1, config: .withoutFailures)
    for _ in 0..<500 { world.step() }
    let q = world.trueJointPositionsRad(robot: 0)
    for (j, home) in (RobotLayout.homeRad + RobotLayout.homeRad).enumerated() {
      #expect(abs(q[q.startIndex + j] - home) < 1e-3)
    }
    #expect(!world.truth(robot: 0).fallen)
    #expect(world.truth(robot: 0).balanceMarginM > 0)
  }
}
