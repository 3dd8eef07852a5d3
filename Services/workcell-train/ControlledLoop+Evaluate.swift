import CellWorld
import PolicyRuntime
import WholeBodyControl

extension ControlledLoop {
  /// Any chunk source (the scripted planner, a model) through the whole-body controller on each
  /// seed, `cyclesPerSeed` cycles each, its chunks arriving `latencyMs` after the look. `act` gets
  /// the observation and the chunk being tracked. Returns the tally and the chunks control refused.
  static func evaluate(
    act: (PolicyObservation, PolicyChunk?) -> PolicyChunk, seeds: [UInt64], cyclesPerSeed: Int, config: CellWorldConfig,
    stepPeriodMs: Int, replanSteps: Int, latencyMs: Int, balanceCorrection: Bool, trace: ((String) -> Void)?
  ) -> (tally: ClosedLoop.Tally, refused: Int) {
    var tally = ClosedLoop.Tally()
    var refused = 0
    for seed in seeds {
      var loop = ControlledLoop(
        world: CellWorld(seed: seed, config: config),
        correction: balanceCorrection ? AnalyticBalanceCorrection() : NoBalanceCorrection())
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var sequence: UInt64 = 0
      for _ in 0..<cyclesPerSeed {
        let outcome = loop.cycle(
          act: act, observer: &observer, stepPeriodMs: stepPeriodMs, replanSteps: replanSteps, latencyMs: latencyMs,
          timeoutS: 12, sequence: &sequence, refused: &refused, trace: trace)
        tally.count(outcome, reached: observer.step)
      }
    }
    return (tally, refused)
  }
}
