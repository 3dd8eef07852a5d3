import CellWorld
import JointBus
import Testing
@testable import WholeBodyControl

#if canImport(Glibc)
  import Glibc
#endif

@Suite("chunk tracking against CellWorld over the joint bus")
struct ChunkTrackingTests {
  /// A smooth reach of the right arm: 0.3 rad on each joint over 0.5 s (peak 0.94 rad/s,
  /// 5.9 rad/s², inside every limit).
  static func reach(_ step: Int, _ joint: Int) -> Double { reach(Double(step), joint) }

  static func reach(_ step: Double, _ joint: Int) -> Double {
    let s = min(max(step / 24, 0), 1)
    return armHomeRad[joint] + 0.3 * (joint % 2 == 0 ? 1 : -1) * (1 - cos(Double.pi * s)) / 2
  }

  @Test("tracks a chunk with bounded error, completes and holds the last step")
  func tracksChunk() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 20)
    #expect(sim.controller.mode == .holding)
    let chunk = sim.rightArmChunk(id: "reach", startingInMs: 0, target: Self.reach)
    let superseded = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
    #expect(superseded.isEmpty)
    #expect(sim.controller.mode == .tracking)
    var peak = 0.0
    let ended = sim.run(milliseconds: 600) { sim, _ in
      peak = max(peak, sim.controller.progress?.maxTrackingErrorRad ?? peak)
    }
    let done = try #require(ended.first)
    #expect(done.reason == .completed)
    #expect(done.chunkID == "reach")
    #expect(done.stepIndex == 24)
    #expect(done.maxTrackingErrorRad < 0.005, "peak tracking error \(done.maxTrackingErrorRad) rad")
    #expect(sim.controller.mode == .holding)
    sim.run(milliseconds: 100)
    for k in 0..<7 {
      #expect(abs(sim.positionsRad[7 + k] - Self.reach(24, k)) < 0.003)
      #expect(abs(sim.positionsRad[k] - armHomeRad[k]) < 0.003, "the left arm holds")
    }
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("the same controller tracks the same chunk alike over the bus and on the in-process hardware")
  func bothHardwareImplementations() throws {
    var results: [(done: ChunkProgress, positionsRad: [Double])] = []
    for overBus in [true, false] {
      var sim = SimHarness(overBus: overBus)
      sim.run(milliseconds: 20)
      let chunk = sim.rightArmChunk(id: "reach", target: Self.reach)
      _ = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
      let done = try #require(sim.run(milliseconds: 600).first)
      sim.run(milliseconds: 100)
      #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
      results.append((done, sim.positionsRad))
    }
    let (bus, inProcess) = (results[0], results[1])
    #expect(bus.done.reason == .completed && inProcess.done.reason == .completed)
    #expect(bus.done.stepIndex == inProcess.done.stepIndex)
    #expect(abs(bus.done.maxTrackingErrorRad - inProcess.done.maxTrackingErrorRad) < 0.001)
    // The bus carries float32: the two differ by its rounding, not by what the controller did.
    for j in 0..<14 { #expect(abs(bus.positionsRad[j] - inProcess.positionsRad[j]) < 0.001, "joint \(j)") }
  }

  @Test("an expired chunk stops tracking and the robot comes to rest where it is")
  func expiredChunkHolds() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 10)
    let chunk = sim.rightArmChunk(id: "short-lived", lifetimeMs: 200, target: Self.reach)
    _ = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
    let ended = sim.run(milliseconds: 260)
    let done = try #require(ended.first)
    #expect(done.reason == .expired)
    #expect(sim.controller.mode == .holding)
    sim.run(milliseconds: 250)
    let restingAt = sim.positionsRad
    #expect(sim.peakSpeedRadPerS < 0.01)
    sim.run(milliseconds: 100)
    for j in 0..<14 { #expect(abs(sim.positionsRad[j] - restingAt[j]) < 0.002) }
    // It stopped short of the chunk's end rather than finishing the stale plan.
    #expect(abs(sim.positionsRad[7] - Self.reach(24, 0)) > 0.05)
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("a chunk that arrives after its last step ends as expired at once")
  func staleChunk() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 600)
    var chunk = sim.rightArmChunk(id: "stale", steps: 5, target: Self.reach)
    chunk.observedAtNanoseconds -= 500_000_000
    let ended = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
    #expect(ended.map(\.reason) == [.expired])
    #expect(sim.controller.mode == .holding)
  }

  @Test("a new chunk supersedes the rest of the current one, blended in without a jump")
  func supersedeBlends() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 10)
    _ = try sim.controller.accept(
      sim.rightArmChunk(id: "first", target: Self.reach), nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 230)
    // The next plan, observed 30 ms ago (inference latency), re-plans the rest of the reach 0.03 rad
    // off the first plan and slower.
    let now = sim.nowNanoseconds
    let second = sim.rightArmChunk(id: "second", startingInMs: 0) { step, joint in
      Self.reach(10 + Double(step) * 0.8, joint) + 0.03
    }
    var late = second
    late.observedAtNanoseconds = now - 30_000_000
    late.expiresAtNanoseconds = late.observedAtNanoseconds + 500_000_000
    let ended = try sim.controller.accept(late, nowNanoseconds: now)
    #expect(ended.map(\.reason) == [.superseded])
    #expect(ended.first?.chunkID == "first")
    #expect(sim.controller.progress?.chunkID == "second")
    #expect(sim.controller.progress?.stepIndex == 2, "reported from its first step in the future")

    var previousReference = sim.controller.referenceRad
    var previousVelocity = sim.controller.baseVelocityRadPerS
    var largestStepRad = 0.0
    var largestVelocityStepRadPerS = 0.0
    sim.run(milliseconds: 100) { sim, _ in
      for j in 7..<14 {
        largestStepRad = max(largestStepRad, abs(sim.controller.referenceRad[j] - previousReference[j]))
        largestVelocityStepRadPerS = max(
          largestVelocityStepRadPerS, abs(sim.controller.baseVelocityRadPerS[j] - previousVelocity[j]))
      }
      previousReference = sim.controller.referenceRad
      previousVelocity = sim.controller.baseVelocityRadPerS
    }
    // The reference itself is continuous (C¹): under 2 mrad and 0.02 rad/s (20 rad/s²) per tick.
    #expect(largestStepRad < 0.002, "reference step \(largestStepRad) rad")
    #expect(largestVelocityStepRadPerS < 0.02, "reference velocity step \(largestVelocityStepRadPerS) rad/s")
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("targets beyond a limit's tolerance end the chunk with reason limit, naming the joint")
  func limitReason() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 10)
    let chunk = sim.rightArmChunk(id: "elbow-too-far") { step, joint in
      joint == 3 && step == 10 ? 0.5 : armHomeRad[joint]
    }
    let ended = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
    let done = try #require(ended.first)
    #expect(done.reason == .limit)
    #expect(done.detail.contains("right_arm_joint_4"), "\(done.detail)")
    #expect(done.detail.contains("step 10"))

    let fast = sim.rightArmChunk(id: "too-fast") { step, joint in
      joint == 0 && step >= 5 ? 0.5 : armHomeRad[joint]
    }
    let fastEnded = try sim.controller.accept(fast, nowNanoseconds: sim.nowNanoseconds)
    #expect(fastEnded.first?.reason == .limit)
    #expect(fastEnded.first?.detail.contains("right_arm_joint_1") == true)
    #expect(sim.controller.mode == .holding)
  }

  @Test("unknown joint names and malformed chunks are refused with invalidChunk")
  func invalidChunks() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 5)
    let chunk = try ActionChunk(
      chunkID: "bad", stepPeriodMs: 20, observedAtNanoseconds: sim.nowNanoseconds,
      expiresAtNanoseconds: sim.nowNanoseconds + 1_000_000_000, jointNames: ["left_shoulder_pitch"],
      jointPositionsRad: [[0], [0]])
    #expect(throws: ControlError.self) { _ = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds) }
    #expect(throws: ControlError.self) {
      _ = try ActionChunk(
        chunkID: "ragged", stepPeriodMs: 20, observedAtNanoseconds: 0, expiresAtNanoseconds: 1,
        jointNames: ["right_arm_joint_1", "right_arm_joint_2"], jointPositionsRad: [[0, 0], [0]])
    }
  }

  @Test("wild targets inside the tolerance: no command ever breaks a limit")
  func wildTargetsNeverViolate() throws {
    var sim = SimHarness()
    var random = WorldRandom(seed: 42)
    let limits = JointLimits.defaults
    sim.run(milliseconds: 5)
    for round in 0..<6 {
      // Each chunk starts far from where the arm is (the blend must ramp), sits on the limits
      // (± tolerance) and changes as fast as the speed tolerance lets it.
      let chunk = sim.rightArmChunk(id: "wild-\(round)", steps: 10, stepPeriodMs: 20) { step, joint in
        let j = 7 + joint
        let edge = step % 2 == 0 ? limits.positionMinRad[j] - 0.015 : limits.positionMaxRad[j] + 0.015
        let span = limits.velocityMaxRadPerS[j] * 1.09 * 0.02
        return step == 0
          ? random.uniform(limits.positionMinRad[j], limits.positionMaxRad[j])
          : edge + (step % 2 == 0 ? span : -span) * 0
      }
      let ended = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
      if ended.first?.reason == .limit { continue }
      sim.run(milliseconds: 120)
    }
    // And a chunk inside the limits whose first step is 2 rad away, 10 ms ahead.
    let jump = sim.rightArmChunk(id: "jump", steps: 5, stepPeriodMs: 20, startingInMs: 10) { _, joint in
      joint == 0 ? 2.0 : armHomeRad[joint]
    }
    _ = try sim.controller.accept(jump, nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 1500)
    #expect(abs(sim.positionsRad[7] - 2.0) < 0.01, "the ramp got there in the end")
    #expect(sim.audit.commands > 1500)
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("gripper targets: width interpolated between steps, force per step, clamped to the gripper's range")
  func gripperTargets() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 5)
    let start = sim.nowNanoseconds
    let chunk = try ActionChunk(
      chunkID: "close", stepPeriodMs: 20, observedAtNanoseconds: start, expiresAtNanoseconds: start + 400_000_000,
      jointNames: ["right_arm_joint_1"], jointPositionsRad: (0..<11).map { _ in [armHomeRad[0]] },
      gripperNames: ["right_gripper"], gripperWidthsM: (0..<11).map { [0.08 - 0.006 * Double($0)] },
      gripForcesN: (0..<11).map { [$0 < 10 ? 30 : 500] })
    _ = try sim.controller.accept(chunk, nowNanoseconds: start)
    sim.run(milliseconds: 110)
    #expect(abs(sim.command.gripperWidthM[1] - (0.08 - 0.006 * 5.25)) < 0.002, "halfway between steps 5 and 6")
    #expect(sim.command.gripperForceN[1] == 30)
    #expect(abs(sim.command.gripperWidthM[0] - 0.08) < 1e-6, "the left gripper keeps its width")
    sim.run(milliseconds: 300)
    #expect(abs(sim.command.gripperWidthM[1] - 0.02) < 1e-9)
    #expect(sim.command.gripperForceN[1] == 70, "500 N clamped to the gripper's 70 N")
    // The fingers move at 0.1 m/s: they get there after the chunk has.
    sim.run(milliseconds: 300)
    #expect(abs(sim.world.gripperWidthM(robot: 0, arm: 1) - 0.02) < 0.001)
  }
}
