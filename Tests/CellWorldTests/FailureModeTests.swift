import CellWorld
import Testing

@Suite("CellWorld failure modes")
struct FailureModeTests {
  static let cycleFailures: [(WorldFault, ScriptedExpert.CycleResult)] = [
    (.splinePhaseError, .notSeated), (.gripVariation, .notSeated), (.magneticPull, .notSeated),
    (.crossThread, .crossThreaded),
  ]

  @Test("without failures the expert fastens every nut")
  func cleanCycles() {
    #expect(expertOutcomes(seed: 7, config: .withoutFailures, count: 3) == [.fastened, .fastened, .fastened])
  }

  @Test("an injected fault strikes the next cycle only", arguments: cycleFailures.map(\.0))
  func injectedOnce(kind: WorldFault) {
    let expected = Self.cycleFailures.first { $0.0 == kind }!.1
    var world = CellWorld(seed: 21, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.inject(FaultInjection(kind: kind, robot: 0))
    #expect(ScriptedExpert.runCycle(world: &world, expert: &expert) == expected)
    #expect(ScriptedExpert.runCycle(world: &world, expert: &expert) == .fastened)
  }

  @Test("a rate of 1 strikes every cycle, the same way for the same seed", arguments: cycleFailures.map(\.0))
  func byRate(kind: WorldFault) {
    let expected = Self.cycleFailures.first { $0.0 == kind }!.1
    var config = CellWorldConfig.withoutFailures
    config.failureRates[kind] = 1
    #expect(expertOutcomes(seed: 5, config: config, count: 2) == [expected, expected])
    config.failureRates[kind] = 0.5
    let first = expertOutcomes(seed: 8, config: config, count: 3)
    #expect(first == expertOutcomes(seed: 8, config: config, count: 3))
  }

  @Test("the expert's success rate falls as each failure rate rises", arguments: cycleFailures.map(\.0))
  func successFallsWithRate(kind: WorldFault) {
    var rates: [Double] = []
    for rate in [0.0, 0.5, 1.0] {
      var config = CellWorldConfig.withoutFailures
      config.failureRates[kind] = rate
      let outcomes = expertOutcomes(seed: 31, config: config, count: rate == 0.5 ? 6 : 2)
      rates.append(Double(outcomes.filter { $0 == .fastened }.count) / Double(outcomes.count))
    }
    #expect(rates[0] == 1)
    #expect(rates[0] > rates[1] && rates[1] > rates[2])
    #expect(rates[2] == 0)
  }

  @Test("grip variation shows as an offset and low friction in the truth")
  func gripVariationTruth() {
    var world = CellWorld(seed: 3, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.inject(FaultInjection(kind: .gripVariation, robot: 0, magnitude: 4))
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(runUntil(&world, expert: &expert) { world, _ in world.truth(robot: 0).nutState == .inGripper })
    #expect(abs(abs(world.truth(robot: 0).gripOffsetM.y) - 0.004) < 0.0008)
  }

  @Test("a strong magnet makes a low-friction grasp slip")
  func magnetSlip() {
    var world = CellWorld(seed: 4, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.inject(FaultInjection(kind: .gripVariation, robot: 0, magnitude: 0.1))
    world.inject(FaultInjection(kind: .magneticPull, robot: 0, magnitude: 30))
    world.presentNut(robot: 0)
    expert.startCycle()
    var slipped = false
    _ = runUntil(&world, expert: &expert) { world, expert in
      slipped = slipped || world.truth(robot: 0).slipping
      return expert.result != nil || slipped
    }
    #expect(slipped)
  }

  @Test("a push during the cycle can topple the robot and the cycle ends as fallen")
  func pushTopples() {
    var world = CellWorld(seed: 9, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(runUntil(&world, expert: &expert) { world, _ in world.truth(robot: 0).nutState == .inGripper })
    world.inject(FaultInjection(kind: .push, robot: 0, magnitude: 500, durationS: 0.3))
    _ = runUntil(&world, expert: &expert) { _, expert in expert.result != nil }
    #expect(expert.result == .fallen)
    #expect(world.truth(robot: 0).nutState == .dropped)
  }

  @Test("glare and occlusion mark the frames they strike, and only those")
  func cameraFaults() {
    var world = CellWorld(seed: 12, config: .withoutFailures)
    world.presentNut(robot: 0)
    let camera = world.cameraIndex(id: "left_feeder")!
    world.inject(FaultInjection(kind: .cameraGlare, robot: 0, camera: "left_feeder", magnitude: 0.1))
    for _ in 0..<101 { world.step() }
    let glare = world.cameraFaults(camera)
    #expect(glare.glareFraction == 0.1)
    let saturated = world.cameraPixels(camera).filter { $0 == 255 }.count
    let pixels = Double(CameraView.widthPx * CameraView.heightPx)
    #expect(Double(saturated) > 0.05 * pixels && Double(saturated) <= 0.1 * pixels + 50)
    #expect(world.cameraFaults(world.cameraIndex(id: "left_fixture")!).glareFraction == 0)
    for _ in 0..<100 { world.step() }
    #expect(world.cameraFaults(camera).glareFraction == 0)
    #expect(world.cameraPixels(camera).filter { $0 == 255 }.count < 10)

    world.setRate(.cameraOcclusion, probability: 1)
    for _ in 0..<100 { world.step() }
    #expect(world.cameraFaults(camera).occlusionFraction == WorldFault.cameraOcclusion.defaultMagnitude)
    let occluded = world.cameraPixels(camera).filter { $0 == 70 }.count
    #expect(Double(occluded) > 0.05 * pixels)
  }

  @Test("an unexpected contact appears on an idle finger, by injection and by rate")
  func spuriousTactile() {
    var world = CellWorld(seed: 13, config: .withoutFailures)
    world.inject(FaultInjection(kind: .unexpectedTactileContact, robot: 0, camera: "left_gripper/finger_a", magnitude: 80))
    for _ in 0..<11 { world.step() }
    #expect(world.tactileHasSpuriousContact(robot: 0, finger: 0))
    #expect((world.tactilePressureKPa(robot: 0, finger: 0).max() ?? 0) > 50)
    #expect((world.tactilePressureKPa(robot: 0, finger: 1).max() ?? 0) == 0)
    for _ in 0..<10 { world.step() }
    #expect(!world.tactileHasSpuriousContact(robot: 0, finger: 0))
    world.setRate(.unexpectedTactileContact, probability: 1)
    for _ in 0..<10 { world.step() }
    #expect((0..<4).allSatisfy { world.tactileHasSpuriousContact(robot: 1, finger: $0) })
  }
}

@Suite("CellWorld fixture sensor")
struct NutSeatedSensorTests {
  @Test("NUT_SEATED sees the nut down on the pin while the fingers still hold it, not while it is carried or jammed")
  func seatedWhileHeld() {
    var world = CellWorld(seed: 11, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(!world.nutSeatedOnPin(robot: 0))
    #expect(runUntil(&world, expert: &expert) { _, expert in expert.phaseName == "carry" })
    #expect(!world.nutSeatedOnPin(robot: 0))
    #expect(runUntil(&world, expert: &expert) { _, expert in expert.phaseName == "settle" })
    #expect(runUntil(&world, expert: &expert, limitS: 0.1) { world, _ in world.nutSeatedOnPin(robot: 0) })
    #expect(world.truth(robot: 0).nutState == .inGripper)

    // A turned spline jams on the pin's top: not seated, held or released.
    var jammed = CellWorld(seed: 11, config: .withoutFailures)
    var second = ScriptedExpert(robot: 0, world: jammed)
    jammed.inject(FaultInjection(kind: .splinePhaseError, robot: 0))
    jammed.presentNut(robot: 0)
    second.startCycle()
    #expect(runUntil(&jammed, expert: &second) { _, expert in expert.phaseName == "open" })
    #expect(!jammed.nutSeatedOnPin(robot: 0))
  }
}
