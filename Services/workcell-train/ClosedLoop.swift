import CellWorld
import PolicyRuntime
import RobotHardware

/// Runs cycles with a policy driving the robot: every `replanSteps` chunk steps it observes,
/// asks the model for a chunk, and tracks it at 1 kHz (linear interpolation between steps with
/// velocity feed-forward, the hold gains), the way control would.
enum ClosedLoop {
  enum Outcome: String, CaseIterable {
    case fastened, notSeated, crossThreaded, dropped, fallen, timedOut
  }

  struct Tally {
    var outcomes: [String: Int] = [:]
    /// Cycles that did not fasten, by the cycle step they had reached (where the policy failed).
    var failedInStep: [String: Int] = [:]
    var cycles = 0
    var fastened: Int { outcomes["fastened"] ?? 0 }
    var rate: Double { cycles == 0 ? 0 : Double(fastened) / Double(cycles) }
    var summary: String {
      outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
    var failureSteps: String {
      failedInStep.isEmpty
        ? "none" : failedInStep.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// Counts one cycle: its outcome and, unless fastened, the cycle step it had reached.
    mutating func count(_ outcome: Outcome, reached step: PolicyCycleStep) {
      outcomes[outcome.rawValue, default: 0] += 1
      if outcome != .fastened { failedInStep["\(step)", default: 0] += 1 }
      cycles += 1
    }
  }

  /// One policy-driven cycle on `world` (robot 0): ends when the nut was released on the pin and
  /// the arm has had 0.5 s to retreat (then the fixture fastens), or when it drops, or after `timeoutS`.
  /// With `handOverTick`, stops there instead and returns nil if the nut is still in the feeder
  /// and the step still reach, leaving the world as it is for an expert to take over.
  static func policyCycle(
    world: inout CellWorld, model: PolicyModel, observer: inout SimObserver, replanSteps: Int, timeoutS: Double,
    sequence: inout UInt64, handOverTick: Int? = nil, trace: ((String) -> Void)? = nil
  ) -> Outcome? {
    driveCycle(
      world: &world, stepPeriodMs: model.architecture.stepPeriodMs, act: { model.act($0) }, observer: &observer,
      replanSteps: replanSteps, timeoutS: timeoutS, sequence: &sequence, handOverTick: handOverTick, trace: trace)
  }

  /// One cycle driven by any chunk source (a model, the scripted planner); see `policyCycle`.
  static func driveCycle(
    world: inout CellWorld, stepPeriodMs period: Int, act: (PolicyObservation) -> PolicyChunk,
    observer: inout SimObserver, replanSteps: Int, timeoutS: Double, sequence: inout UInt64, handOverTick: Int? = nil,
    trace: ((String) -> Void)? = nil
  ) -> Outcome? {
    world.presentNut(robot: 0)
    observer.startCycle()
    var command = JointCommandInterfaces.holdingHome
    let q = world.trueJointPositionsRad(robot: 0)
    for j in 0..<RobotLayout.jointCount { command.positionRad[j] = q[q.startIndex + j] }
    let first = RobotLayout.workingArm * 7
    let replanTicks = max(replanSteps, 1) * period
    var chunk: PolicyChunk?
    var chunkStartTick = 0
    var releasedAtTick: Int?
    let deadline = Int(timeoutS / CellWorld.stepS)
    var outcome = Outcome.timedOut
    run: for tick in 0..<deadline {
      let truth = world.truth(robot: 0)
      if let ended = ClosedLoop.cycleEnded(&world, truth: truth, tick: tick, releasedAtTick: &releasedAtTick) {
        outcome = ended
        break run
      }
      if tick == handOverTick {
        if truth.nutState == .inFeeder, observer.step == .reach { return nil }
        break run
      }
      if let trace, tick % 100 == 0 {
        let tcp = world.tcpPose(robot: 0).positionM
        let d = (tcp - truth.nutPositionM) * 1000
        let p = (truth.nutPositionM - world.pinSeatM(robot: 0)) * 1000
        trace(
          "t \(tick) ms nut \(truth.nutState) step \(chunk?.cycleStep.rawValue ?? 0) tcp−nut mm (\(Int(d.x)), \(Int(d.y)), \(Int(d.z))) width mm \(Int(world.gripperWidthM(robot: 0) * 1000)) phase \(Int(truth.splinePhaseErrorDeg)) nut−pin mm (\(Int(p.x)), \(Int(p.y)), \(Int(p.z))) chunk width mm \((chunk?.steps ?? []).enumerated().filter { [0, 4, 15, 29].contains($0.offset) }.map { Int($0.element.gripperWidthsM[0] * 1000) })")
      }
      if chunk == nil || tick - chunkStartTick >= replanTicks {
        chunk = act(observer.observe(world: &world, sequence: sequence))
        sequence += 1
        chunkStartTick = tick
      }
      let steps = chunk!.steps
      let elapsed = tick - chunkStartTick
      let i = min(elapsed / period, steps.count - 1)
      let next = min(i + 1, steps.count - 1)
      let fraction = Double(elapsed - i * period) / Double(period)
      for j in 0..<7 {
        let a = steps[i].jointPositionsRad[j]
        let b = steps[next].jointPositionsRad[j]
        let target = a + (b - a) * fraction
        command.positionRad[first + j] = min(
          max(target, RobotLayout.positionMinRad[j] + 0.01), RobotLayout.positionMaxRad[j] - 0.01)
        command.velocityRadPerS[first + j] = next == i ? 0 : (b - a) / (Double(period) / 1000)
      }
      command.gripperWidthM[RobotLayout.workingArm] = steps[i].gripperWidthsM[0]
      command.gripperForceN[RobotLayout.workingArm] = min(steps[i].gripForcesN[0], RobotLayout.gripperMaxForceN)
      world.setCommand(robot: 0, command)
      world.step()
    }
    world.removeNut(robot: 0)
    return outcome
  }

  /// Whether robot 0's cycle has ended at `tick`, and how: a fall, a drop, or 0.5 s after the nut
  /// was left on the pin (then the fixture fastens and says how it went).
  static func cycleEnded(_ world: inout CellWorld, truth: RobotTruth, tick: Int, releasedAtTick: inout Int?) -> Outcome? {
    if truth.fallen { return .fallen }
    if truth.nutState == .dropped { return .dropped }
    guard truth.nutState == .pinSeated || truth.nutState == .pinNotSeated else { return nil }
    if releasedAtTick == nil { releasedAtTick = tick }
    guard tick - releasedAtTick! >= 500 else { return nil }
    switch world.fasten(robot: 0) {
    case .fastened: return .fastened
    case .crossThreaded: return .crossThreaded
    case .notSeated: return .notSeated
    case .noNut: return .dropped
    }
  }

  /// The policy on each seed, `cyclesPerSeed` cycles each.
  static func evaluatePolicy(
    model: PolicyModel, seeds: [UInt64], cyclesPerSeed: Int, config: CellWorldConfig, replanSteps: Int,
    trace: ((String) -> Void)? = nil
  ) -> Tally {
    evaluate(
      stepPeriodMs: model.architecture.stepPeriodMs, act: { model.act($0) }, seeds: seeds, cyclesPerSeed: cyclesPerSeed,
      config: config, replanSteps: replanSteps, trace: trace)
  }

  /// Any chunk source on each seed, `cyclesPerSeed` cycles each.
  static func evaluate(
    stepPeriodMs: Int, act: (PolicyObservation) -> PolicyChunk, seeds: [UInt64], cyclesPerSeed: Int,
    config: CellWorldConfig, replanSteps: Int, trace: ((String) -> Void)? = nil
  ) -> Tally {
    var tally = Tally()
    for seed in seeds {
      var world = CellWorld(seed: seed, config: config)
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var sequence: UInt64 = 0
      for _ in 0..<cyclesPerSeed {
        let outcome = driveCycle(
          world: &world, stepPeriodMs: stepPeriodMs, act: act, observer: &observer, replanSteps: replanSteps,
          timeoutS: 12, sequence: &sequence, trace: trace)
        tally.count(outcome ?? .timedOut, reached: observer.step)
      }
    }
    return tally
  }

  /// The scripted expert on the same seeds.
  static func evaluateExpert(seeds: [UInt64], cyclesPerSeed: Int, config: CellWorldConfig) -> Tally {
    var tally = Tally()
    for seed in seeds {
      var world = CellWorld(seed: seed, config: config)
      var expert = ScriptedExpert(robot: 0, world: world)
      for _ in 0..<cyclesPerSeed {
        let outcome = ScriptedExpert.runCycle(world: &world, expert: &expert)
        tally.outcomes[outcome.rawValue, default: 0] += 1
        tally.cycles += 1
      }
    }
    return tally
  }
}
