import CellWorld
import JointBus
import Testing
@testable import WholeBodyControl

@Suite("staged stops, e-stop and the joint-bus watchdog against CellWorld")
struct StopTests {
  /// A harness whose right arm is swinging at speed (joint 1 at ~2 rad/s) when it returns.
  static func swinging() throws -> SimHarness {
    var sim = SimHarness()
    sim.run(milliseconds: 10)
    let chunk = sim.rightArmChunk(id: "swing", steps: 80, stepPeriodMs: 20) { step, joint in
      joint == 0 ? -1.2 + 2.4 * min(max(Double(step - 5) / 60, 0), 1) : armHomeRad[joint]
    }
    // Starts at −1.2: accept when the arm is there (the blend would take the first 0.x s).
    _ = try sim.controller.accept(
      sim.rightArmChunk(id: "pre", steps: 30, stepPeriodMs: 20) { step, joint in
        joint == 0 ? -1.2 * min(Double(step) / 20, 1) : armHomeRad[joint]
      }, nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 700)
    let refused = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds)
    try #require(refused.isEmpty, "\(refused)")
    sim.run(milliseconds: 450)
    return sim
  }

  @Test("category 1: controlled deceleration to standstill within its bound, then torque off")
  func category1() throws {
    var sim = try Self.swinging()
    let speed = sim.peakSpeedRadPerS
    #expect(speed > 1.5, "moving at \(speed) rad/s when stopped")
    let stoppedChunk = sim.controller.stop(.category1, nowNanoseconds: sim.nowNanoseconds)
    #expect(stoppedChunk?.reason == .interrupted)
    #expect(sim.controller.mode == .stopping)
    var stopMs: Int?
    var elapsed = 0
    sim.run(milliseconds: 600) { sim, tick in
      elapsed += 1
      if stopMs == nil && tick.mode == .stopped { stopMs = elapsed }
    }
    let ms = try #require(stopMs)
    #expect(ms <= 500, "standstill after \(ms) ms")
    #expect(sim.controller.machine.activeStop == .category1, "reached standstill, no escalation")
    #expect(sim.command.kp.allSatisfy { $0 == 0 } && sim.command.torqueNm.allSatisfy { $0 == 0 }, "torque off")
    #expect(sim.peakSpeedRadPerS < 0.02)
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
    // Latched: chunks and holds are refused until resume.
    #expect(throws: ControlError.self) { _ = try sim.controller.hold(nowNanoseconds: sim.nowNanoseconds) }
    try sim.controller.resume(nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 50)
    #expect(sim.controller.mode == .holding)
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("category 2: controlled deceleration, then holding powered")
  func category2() throws {
    var sim = try Self.swinging()
    _ = sim.controller.stop(.category2, nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 500)
    #expect(sim.controller.mode == .stopped)
    #expect(sim.controller.machine.torqueOn)
    #expect(sim.command.kp[7] > 0)
    let at = sim.positionsRad
    sim.run(milliseconds: 100)
    #expect(abs(sim.positionsRad[7] - at[7]) < 0.001)
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }

  @Test("category 0: torque off on the next tick")
  func category0() throws {
    var sim = try Self.swinging()
    _ = sim.controller.stop(.category0, nowNanoseconds: sim.nowNanoseconds)
    sim.tick()
    #expect(sim.controller.mode == .stopped)
    #expect(sim.command.kp.allSatisfy { $0 == 0 } && sim.command.kd.allSatisfy { $0 == 0 })
  }

  @Test("e-stop stops the robot and blocks resume until the chain closes")
  func estopBlocksResume() throws {
    var sim = try Self.swinging()
    let ended = sim.controller.setSafetyChain(open: true, nowNanoseconds: sim.nowNanoseconds)
    #expect(ended?.reason == .safety)
    sim.run(milliseconds: 500)
    #expect(sim.controller.mode == .stopped)
    #expect(sim.peakSpeedRadPerS < 0.02)
    #expect(throws: ControlError(.safetyChainOpen, "The safety chain is open; close and reset it, then resume.")) {
      try sim.controller.resume(nowNanoseconds: sim.nowNanoseconds)
    }
    let chunk = sim.rightArmChunk(id: "during-estop") { _, joint in armHomeRad[joint] }
    #expect(throws: ControlError.self) { _ = try sim.controller.accept(chunk, nowNanoseconds: sim.nowNanoseconds) }
    _ = sim.controller.setSafetyChain(open: false, nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 10)
    #expect(sim.controller.mode == .stopped, "still latched")
    try sim.controller.resume(nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 10)
    #expect(sim.controller.mode == .holding)
  }

  @Test("no joint-bus state past the timeout → fault; resume once states flow again")
  func busTimeout() throws {
    var sim = SimHarness()
    sim.run(milliseconds: 10)
    _ = try sim.controller.accept(
      sim.rightArmChunk(id: "cut-off", target: ChunkTrackingTests.reach), nowNanoseconds: sim.nowNanoseconds)
    sim.run(milliseconds: 50)
    let silentFrom = sim.nowNanoseconds
    #expect(sim.controller.checkJointBus(nowNanoseconds: silentFrom + 45_000_000) == nil)
    let ended = sim.controller.checkJointBus(nowNanoseconds: silentFrom + 55_000_000)
    #expect(ended?.reason == .fault)
    #expect(ended?.detail.contains("no joint-bus state") == true)
    #expect(sim.controller.mode == .fault)
    #expect(throws: ControlError.self) { try sim.controller.resume(nowNanoseconds: silentFrom + 56_000_000) }
    sim.run(milliseconds: 300)
    #expect(sim.controller.mode == .fault, "latched")
    #expect(sim.peakSpeedRadPerS < 0.02, "holding powered while faulted")
    try sim.controller.resume(nowNanoseconds: sim.nowNanoseconds)
    #expect(sim.controller.mode == .holding)
  }

  @Test("home: a minimum-jerk move back to the home posture, then holding")
  func homes() throws {
    var sim = try Self.swinging()
    _ = try sim.controller.home(nowNanoseconds: sim.nowNanoseconds)
    #expect(sim.controller.mode == .homing)
    sim.run(milliseconds: 3000) { sim, tick in if tick.mode == .holding { return } }
    #expect(sim.controller.mode == .holding)
    for j in 0..<14 { #expect(abs(sim.positionsRad[j] - armHomeRad[j % 7]) < 0.01) }
    #expect(sim.audit.violations.isEmpty, "\(sim.audit.violations)")
  }
}
