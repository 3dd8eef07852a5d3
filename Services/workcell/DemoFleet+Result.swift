import Foundation
import WorkcellProto

extension DemoFleet {
  /// What the shift produced.
  struct Result {
    var settings: Settings
    var whole: Workcell_Yield_V1_YieldRow?
    var perRobot: [Workcell_Yield_V1_YieldRow]
    var pareto: [Workcell_Yield_V1_ParetoRow]
    var simSeconds: Double
    var wallSeconds: Double
    var from: Date
    var to: Date
    var modelVersion: String
    /// Cycles the cell finished (its own count, to compare with what yield stored).
    var cellCycles: UInt64
    /// Times a faulted robot was reset and restarted.
    var recoveries: Int
    /// SHA-256 over the shift's cycle records without ids and calendar stamps (`CycleRecordsDigest`).
    var recordsSHA256: String

    var speedUp: Double { wallSeconds > 0 ? simSeconds / wallSeconds : 0 }

    var text: String {
      func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
      func ms(_ value: UInt32?) -> String { value.map { String(format: "%.1f s", Double($0) / 1000) } ?? "–" }
      var lines: [String] = []
      lines.append("Workcell demo — simulated shift report (from the yield API)")
      lines.append(
        String(
          format: "shift: %.2f simulated hours in %.0f s wall (%.1f× real time), seed %llu, %d robot(s), model %@",
          simSeconds / 3600, wallSeconds, speedUp, settings.seed, settings.robots, modelVersion))
      lines.append(
        "sequencer: touch \(settings.visionOnly ? "off (vision only)" : "on"), tactile refine \(settings.tactileRefine ? "on" : "off") (\(settings.tactileModelPath.map { "learned: " + URL(fileURLWithPath: $0).lastPathComponent } ?? "analytic")), retries \(settings.retries ? "on" : "off")")
      func row(_ name: String, _ r: Workcell_Yield_V1_YieldRow) -> String {
        "\(name.padding(toLength: 8, withPad: " ", startingAt: 0)) cycles \(r.cycles) (ok \(r.ok), nok \(r.nok), aborted \(r.aborted))  yield \(percent(r.hasYield ? r.yield : nil))  FPY \(percent(r.hasFirstPassYield ? r.firstPassYield : nil))  takt \(percent(r.hasTaktCompliance ? r.taktCompliance : nil))  cycle p50 \(ms(r.hasCycleMsP50 ? r.cycleMsP50 : nil)) p95 \(ms(r.hasCycleMsP95 ? r.cycleMsP95 : nil))"
      }
      if recoveries > 0 { lines.append("robots reset and restarted after a fault: \(recoveries)") }
      if let whole { lines.append(row("cell", whole)) } else { lines.append("cell     no cycles recorded") }
      for r in perRobot { lines.append(row(r.robot, r)) }
      lines.append("records sha256: \(recordsSHA256)")
      lines.append("failure Pareto:")
      if pareto.isEmpty { lines.append("  (no failed cycles)") }
      for p in pareto {
        lines.append(
          "  \((p.failureCode.apiName ?? "?").padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(format: "%5d  %5.1f %%  cum %5.1f %%", p.count, p.share * 100, p.cumulativeShare * 100))")
      }
      return lines.joined(separator: "\n")
    }

    var json: String {
      func optional(_ has: Bool, _ value: Double) -> Any { has ? value : NSNull() }
      func rowObject(_ r: Workcell_Yield_V1_YieldRow) -> [String: Any] {
        [
          "robot": r.robot, "cycles": r.cycles, "ok": r.ok, "nok": r.nok, "aborted": r.aborted,
          "yield": optional(r.hasYield, r.yield), "first_pass_yield": optional(r.hasFirstPassYield, r.firstPassYield),
          "takt_compliance": optional(r.hasTaktCompliance, r.taktCompliance),
          "cycle_ms_p50": optional(r.hasCycleMsP50, Double(r.cycleMsP50)),
          "cycle_ms_p95": optional(r.hasCycleMsP95, Double(r.cycleMsP95)),
        ]
      }
      let object: [String: Any] = [
        "seed": settings.seed, "robots": settings.robots, "sim_seconds": simSeconds, "wall_seconds": wallSeconds,
        "speed_up": speedUp, "model_version": modelVersion, "planner": settings.scriptedPlanner ? "scripted" : "model",
        "vision_only": settings.visionOnly,
        "tactile_refine": settings.tactileRefine, "tactile_model": settings.tactileModelPath.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "analytic", "retries": settings.retries,
        "cell": whole.map(rowObject) ?? NSNull(), "per_robot": perRobot.map(rowObject),
        "cell_cycles": cellCycles, "recoveries": recoveries, "records_sha256": recordsSHA256,
        "pareto": pareto.map { ["failure_code": $0.failureCode.apiName ?? "?", "count": $0.count, "share": $0.share] },
      ]
      let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
      return String(decoding: data, as: UTF8.self)
    }
  }
}
