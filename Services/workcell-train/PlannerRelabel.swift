import CellWorld
import MotionPlanning
import PolicyRuntime
import WholeBodyControl

/// DAgger with the scripted planner as the labeller (issue #18 item 2). The arm is driven through
/// the whole-body controller as in the fleet (`ControlledLoop`), its chunks arriving a latency
/// after the look (drawn per cycle from `latenciesMs`); at each replan the planner's chunk is
/// executed with probability β, the student's otherwise. Every step period (20 ms) the
/// observation is labelled with the chunk the planner would answer there, planned on from the
/// chunk given last (its warm start and its "a close under way" both read it), and recorded with
/// features `wc-features-3`, which show the network that same chunk. The planner answers any
/// state — reach, grasp, carry, insert, a jam on the pin, a retreat — so the states a student
/// drifts into get labels too, which `ScriptedExpert` (a timer-driven script that starts only
/// from a nut in the feeder) could not give.
enum PlannerRelabel {
  struct Settings {
    var seeds: [UInt64]
    var cyclesPerSeed: Int
    var latenciesMs: [Int]
    /// Probability the planner drives a replan (1: the planner alone, round 1).
    var beta: Double
    var replanSteps: Int
    var balanceCorrection = true
  }

  /// The label of one observation: the planner's chunk as the network's raw outputs (per step 7
  /// joint targets relative to the observed joints, gripper width, grip force).
  static func targets(_ chunk: PolicyChunk, observed: PolicyObservation) -> [Float] {
    var row: [Float] = []
    row.reserveCapacity(chunk.steps.count * 9)
    for step in chunk.steps {
      for j in 0..<7 { row.append(Float(step.jointPositionsRad[j] - observed.armJointPositionsRad[j])) }
      row.append(Float(step.gripperWidthsM.first ?? 0))
      row.append(Float(step.gripForcesN.first ?? 0))
    }
    return row
  }

  /// Rolls out `settings.cyclesPerSeed` cycles on each seed and records every labelled
  /// observation; one episode per cycle (source `relabel`), its outcome the cycle's. Also returns
  /// the rollouts' tally (how the mixed driver did).
  static func record(
    planner: ScriptedChunkPlanner, student: PolicyModel?, settings: Settings, config: CellWorldConfig,
    progress: (Int, Demonstrations, ClosedLoop.Tally) -> Void
  ) -> (Demonstrations, ClosedLoop.Tally) {
    var out = Demonstrations()
    out.featureVersion = .v3
    var tally = ClosedLoop.Tally()
    let encoding = PolicyFeatureVersion.v3
    let limiter = ChunkLimiter(config: planner.config)
    for (n, seed) in settings.seeds.enumerated() {
      var loop = ControlledLoop(
        world: CellWorld(seed: seed, config: config),
        correction: settings.balanceCorrection ? AnalyticBalanceCorrection() : NoBalanceCorrection())
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var random = WorldRandom(seed: seed ^ 0xDA66_E12B)
      var sequence: UInt64 = 0
      var refused = 0
      for cycleInSeed in 0..<settings.cyclesPerSeed {
        let latencyMs = settings.latenciesMs[min(Int(random.unit() * Double(settings.latenciesMs.count)), settings.latenciesMs.count - 1)]
        var episode = DemonstrationEpisode(seed: seed, cycleInSeed: cycleInSeed, source: .relabel, perturbed: false, outcome: "")
        // The label of the latest look, reused when the same look is a replan.
        var latest: (sequence: UInt64, chunk: PolicyChunk)?
        let outcome = loop.cycle(
          act: { observation, last in
            let planned: PolicyChunk
            if let latest, latest.sequence == observation.sequence {
              planned = latest.chunk
            } else {
              planned = planner.plan(observation, previous: last)
            }
            guard let student, random.unit() >= settings.beta else { return planned }
            return limiter.limit(student.act(observation.following(last)), measuredRad: observation.armJointPositionsRad)
          },
          observer: &observer, stepPeriodMs: planner.stepPeriodMs, replanSteps: settings.replanSteps,
          latencyMs: latencyMs, timeoutS: 12, sequence: &sequence, refused: &refused,
          look: { observation, last in
            let label = planner.plan(observation, previous: last)
            latest = (observation.sequence, label)
            episode.rows.append(out.sampleSeeds.count)
            out.features += encoding.matrix([observation.following(last)]).values
            out.targets += targets(label, observed: observation)
            out.sampleSeeds.append(seed)
          })
        episode.outcome = outcome.rawValue
        if !episode.rows.isEmpty { out.episodes.append(episode) }
        out.cycles += 1
        tally.count(outcome, reached: observer.step)
      }
      out.simulatedS += loop.world.simTimeS
      progress(n + 1, out, tally)
    }
    return (out, tally)
  }
}
