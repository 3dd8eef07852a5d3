import CellWorld
import Testing

@Suite("Scripted expert")
struct ScriptedExpertTests {
  @Test("completes cycles without failures")
  func completesCycles() {
    var world = CellWorld(seed: 7, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    var results: [ScriptedExpert.CycleResult] = []
    for _ in 0..<3 {
      results.append(ScriptedExpert.runCycle(world: &world, expert: &expert))
    }
    print("results", results, "sim time", world.simTimeS)
    #expect(results == [.fastened, .fastened, .fastened])
  }
}
