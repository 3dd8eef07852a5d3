import Foundation

/// Writes a closed-loop tally as JSON to `--report-json FILE` (nothing without the flag), for
/// scripts/train-policy.sh's model card. Returns the exit status.
func writeReport(
  _ tally: ClosedLoop.Tally, driver: String, seeds: [UInt64], options: TrainOptions, latencyMs: Int? = nil
) -> Int32 {
  guard let path = options.reportJSON else { return 0 }
  let report: [String: Any] = [
    "driver": driver, "fastened": tally.fastened, "cycles": tally.cycles, "outcomes": tally.outcomes,
    "failures_by_step": tally.failedInStep, "seeds": seeds.isEmpty ? "" : "\(seeds.first!)-\(seeds.last!)",
    "cycles_per_seed": options.evalCyclesPerSeed, "replan_steps": options.replanSteps,
    "loop": latencyMs.map { "through control, latency \($0) ms" } ?? "direct joint commands",
  ]
  do {
    let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
    return 0
  } catch {
    FileHandle.standardError.write(Data("workcell-train: --report-json \(path): \(error)\n".utf8))
    return 1
  }
}
