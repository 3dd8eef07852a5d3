@testable import CellWorld
import Testing

/// The failure modes' causes (docs/simulation.md, "Failure models"): each probability or effect
/// moves with the state the robot produced.
@Suite("CellWorld failure causes")
struct FailureCauseTests {
  static let nut = NutModel.defaults

  static func seating(offsetMm: Double = 0, phaseDeg: Double = 0, speedMPerS: Double = 0, sideN: Double = 0)
    -> NutModel.Seating
  {
    NutModel.Seating(
      entryOffsetM: offsetMm / 1000, entryPhaseDeg: phaseDeg, entrySpeedMPerS: speedMPerS, releaseSideForceN: sideN)
  }

  @Test(
    "cross-threading grows with each cause of a bad start on the pin",
    arguments: [
      ("lateral offset at contact, mm", [0.0, 0.5, 1.0, 1.5].map { seating(offsetMm: $0) }),
      ("phase error at contact, °", [0.0, 1.5, 3.0, 4.0].map { seating(phaseDeg: $0) }),
      ("entry speed, m/s", [0.0, 0.05, 0.15, 0.3].map { seating(speedMPerS: $0) }),
      ("side force at release, N", [0.0, 2.0, 4.0, 8.0].map { seating(sideN: $0) }),
    ])
  func crossThreadRisesWithEachCause(cause: String, seatings: [NutModel.Seating]) {
    let p = seatings.map(Self.nut.crossThreadProbability)
    #expect(p[0] == 0, "\(cause): a nominal seating has no causal part")
    #expect(zip(p, p.dropFirst()).allSatisfy { $0 < $1 }, "\(cause): \(p)")
    #expect(p.last! >= 0.1, "\(cause): at or past its limit one start in ten or more is askew (\(p.last!))")
  }

  @Test("a nominal seating cross-threads at most 0.1 % with the residual; causes add up; capped at one half")
  func crossThreadNominalAndCap() {
    // Centred within 0.2 mm, in phase within 0.5°, at the planner's 0.05 m/s, 0.3 N of side load.
    let nominal = Self.seating(offsetMm: 0.2, phaseDeg: 0.5, speedMPerS: 0.05, sideN: 0.3)
    #expect(Self.nut.crossThreadProbability(nominal) + WorldFault.crossThread.defaultRate <= 0.001)
    let two = Self.seating(offsetMm: 1.0, phaseDeg: 2.5)
    #expect(
      Self.nut.crossThreadProbability(two)
        > Self.nut.crossThreadProbability(Self.seating(offsetMm: 1.0))
        + Self.nut.crossThreadProbability(Self.seating(phaseDeg: 2.5)))
    #expect(Self.nut.crossThreadProbability(Self.seating(offsetMm: 3, phaseDeg: 6, speedMPerS: 1, sideN: 20)) == 0.5)
  }

  @Test(
    "the chamfer's impact turns the nut in the fingers when it comes down too hard for the grip",
    arguments: [
      // (entry speed m/s, friction, grip force N, turns)
      (0.05, 0.5, 20.0, false),  // the planner's fine speed, a nominal grasp
      (0.30, 0.5, 20.0, true),  // a free-speed plunge onto the pin
      (0.05, 0.15, 20.0, true),  // an oily (low-friction) grasp at the fine speed
      (0.05, 0.15, 60.0, false),  // … held three times as hard
      (0.01, 0.15, 20.0, false),  // … or put on slowly
    ])
  func impactTurn(speed: Double, friction: Double, forceN: Double, turns: Bool) {
    #expect(Self.nut.impactTurnsNut(entrySpeedMPerS: speed, friction: friction, gripForceN: forceN) == turns)
  }

  @Test("a grasp off the pads' centre holds with less friction, down to a quarter at the pads' edge")
  func offCentreFriction() {
    let f = [0.0, 0.002, 0.004, 0.006, 0.009].map { Self.nut.effectiveFriction(0.5, offsetAcrossPadsM: $0) }
    #expect(f[0] == 0.5)
    #expect(zip(f, f.dropFirst().dropLast()).allSatisfy { $0 > $1 })
    #expect(abs(f[3] - 0.125) < 1e-12 && f[4] == f[3])
    #expect(Self.nut.effectiveFriction(0.5, offsetAcrossPadsM: -0.002) == f[1])
  }

  @Test("the world draws cross-threading from the seating it recorded")
  func worldUsesTheSeating() {
    func crossThreaded(_ seating: NutModel.Seating) -> Int {
      var world = CellWorld(seed: 5, config: .withoutFailures)
      var count = 0
      for _ in 0..<400 {
        world.robots[0].nutState = .pinSeated
        world.robots[0].seating = seating
        if world.fasten(robot: 0) == .crossThreaded { count += 1 }
      }
      return count
    }
    #expect(crossThreaded(.nominal) == 0)
    // One cause at its limit: 10 % (40 of 400, ± 3σ ≈ 18).
    #expect((22...58).contains(crossThreaded(Self.seating(offsetMm: 1.5))))
    #expect(crossThreaded(Self.seating(offsetMm: 1.5, phaseDeg: 4)) >= 120)
  }

  @Test("the expert's seatings are recorded in the truth: slow, centred, in phase")
  func truthCarriesTheSeating() {
    var world = CellWorld(seed: 7, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    #expect(ScriptedExpert.runCycle(world: &world, expert: &expert) == .fastened)
    let seating = world.truth(robot: 0).seating
    #expect(seating.entryOffsetM < 0.001 && seating.entryPhaseDeg < 2)
    #expect(seating.entrySpeedMPerS > 0.01 && seating.entrySpeedMPerS < 0.1)
    #expect(world.truth(robot: 0).gripFriction > 0)
  }

  @Test("a nut let go in the feeder's nest settles back into it; let go elsewhere it falls")
  func releaseInTheNest() {
    var world = CellWorld(seed: 3, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(runUntil(&world, expert: &expert) { world, _ in world.truth(robot: 0).nutState == .inGripper })
    let nest = world.pickPositionM(robot: 0)
    #expect(CellWorld.inNest(world.truth(robot: 0).nutPositionM, nest: nest))
    #expect(CellWorld.inNest(nest + Vector3(0.004, 0, 0.004), nest: nest))
    #expect(!CellWorld.inNest(nest + Vector3(0.006, 0, 0), nest: nest))
    #expect(!CellWorld.inNest(nest + Vector3(0, 0, 0.02), nest: nest))
    // The fingers open where they closed: the nut is back in the nest, presented again.
    world.latestGripper[RobotLayout.workingArm * 2] = RobotLayout.gripperMaxWidthM
    for _ in 0..<300 { world.step() }
    #expect(world.truth(robot: 0).nutState == .inFeeder)
    #expect(world.nutAtPickPosition(robot: 0))
  }
}
