import CellWorld
import PolicyRuntime

/// Pairs (features at t → the expert's next chunk of targets) recorded from the scripted expert.
struct Demonstrations {
  /// Raw features, one row of `PolicyFeatures.count` per sample.
  var features: [Float] = []
  /// Raw targets, one row of `chunkSteps × 9` per sample: per step 7 joint targets relative to
  /// the observed joints (rad), gripper width (m), grip force (N).
  var targets: [Float] = []
  /// Which seed each sample came from (for the train/validation split).
  var sampleSeeds: [UInt64] = []
  var cycles = 0
  var outcomes: [ScriptedExpert.CycleResult: Int] = [:]
  var simulatedS = 0.0

  var count: Int { sampleSeeds.count }

  /// The expert's gripper command in a phase (it opens to 45 mm, closes to 0 at 20 N).
  static func gripperCommandM(phase: String) -> Double {
    ["close", "lift", "carry", "lower", "insert", "settle"].contains(phase) ? 0 : 0.045
  }

  /// Runs `cyclesPerSeed` expert cycles on each seed and records a sample every step period.
  static func record(
    seeds: [UInt64], cyclesPerSeed: Int, chunkSteps: Int, stepPeriodMs: Int, config: CellWorldConfig,
    progress: (Int, Demonstrations) -> Void
  ) -> Demonstrations {
    var out = Demonstrations()
    let period = stepPeriodMs
    for (n, seed) in seeds.enumerated() {
      var world = CellWorld(seed: seed, config: config)
      var expert = ScriptedExpert(robot: 0, world: world)
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var sequence: UInt64 = 0
      for _ in 0..<cyclesPerSeed {
        world.presentNut(robot: 0)
        expert.startCycle()
        var observations: [PolicyObservation] = []
        var trajectory: [Double] = []  // per period tick: 7 joints, gripper command
        var tick = 0
        var tail = -1
        let deadline = Int(30 / CellWorld.stepS)
        while tick < deadline {
          if tick % period == 0 {
            let q = world.trueJointPositionsRad(robot: 0)
            for j in 0..<7 { trajectory.append(q[q.startIndex + RobotLayout.workingArm * 7 + j]) }
            trajectory.append(gripperCommandM(phase: expert.phaseName))
            if expert.result == nil {
              observations.append(observer.observe(world: &world, sequence: sequence))
              sequence += 1
            }
          }
          if expert.result != nil {
            if tail < 0 { tail = tick }
            if tick - tail >= chunkSteps * period { break }
          }
          expert.act(world: &world)
          world.step()
          tick += 1
        }
        let outcome = expert.result ?? .timedOut
        out.outcomes[outcome, default: 0] += 1
        out.cycles += 1
        world.removeNut(robot: 0)
        let ticks = trajectory.count / 8
        for (k, observation) in observations.enumerated() {
          out.features.append(contentsOf: PolicyFeatures.matrix([observation]).values)
          for s in 0..<chunkSteps {
            let t = min(k + s, ticks - 1)
            for j in 0..<7 { out.targets.append(Float(trajectory[t * 8 + j] - observation.armJointPositionsRad[j])) }
            out.targets.append(Float(trajectory[t * 8 + 7]))
            out.targets.append(Float(expert.gripForceN))
          }
          out.sampleSeeds.append(seed)
        }
      }
      out.simulatedS = world.simTimeS + out.simulatedS
      progress(n + 1, out)
    }
    return out
  }
}
