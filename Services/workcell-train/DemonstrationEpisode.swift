/// The samples of one recorded cycle (or of its perturbed copies), in time order: what a
/// dataset export writes as one episode.
struct DemonstrationEpisode: Equatable {
  /// Who drove the cycle's recorded part.
  enum Source: String {
    /// A `ScriptedExpert` cycle from its start (the demonstrations).
    case expert
    /// A `ScriptedExpert` that took over from the state a policy left (DAgger-style takeovers).
    case takeover
    /// A rollout through the controller labelled by the scripted planner (`PlannerRelabel`).
    case relabel
  }

  /// The world's seed (the validation split holds out whole seeds).
  var seed: UInt64
  /// Which cycle of that world, 0 first (per source and seed).
  var cycleInSeed: Int
  var source: Source
  /// True for the episode of perturbed copies beside a cycle's samples.
  var perturbed: Bool
  /// The expert's result (`ScriptedExpert.CycleResult` raw value).
  var outcome: String
  /// The sample rows of ``Demonstrations`` that belong to it, in time order.
  var rows: [Int] = []
}
