import Prometheus
import YieldKPI
import YieldStore

/// The yield service's Prometheus metrics: what was ingested (per cell, outcome and failure code,
/// so dashboards can chart yield, first-pass yield, takt compliance and the Pareto from rates),
/// batch sizes, query latency per endpoint, database operations in flight, and the current
/// shift's OEE per cell.
struct YieldMetrics: Sendable {
  let registry: PrometheusCollectorRegistry

  private static let cycleTimeBuckets: [Duration] = [
    .seconds(30), .seconds(45), .seconds(60), .seconds(66), .seconds(70), .seconds(73), .seconds(76), .seconds(80),
    .seconds(90), .seconds(120), .seconds(180), .seconds(300),
  ]
  private static let queryBuckets: [Duration] = [
    .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
    .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
  ]
  private static let batchBuckets: [Double] = [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 100_000]

  /// Counts the cycles a committed batch newly stored (duplicates excluded by the caller).
  func recordIngested(_ rows: some Sequence<CycleRow>) {
    // One dictionary lookup per row (by cell); the rest is counted inside the cell's tally.
    var tallies: [String: CellIngestTally] = [:]
    for row in rows { tallies[row.cell, default: CellIngestTally()].add(row) }
    for (cell, tally) in tallies {
      if !tally.cycleMs.isEmpty {
        let histogram = cycleTime(cell)
        for value in tally.cycleMs { histogram.recordNanoseconds(Int64(value) * 1_000_000) }
      }
      for (outcome, failureCode, count) in tally.byOutcome {
        registry.makeCounter(
          descriptor: MetricNameDescriptor(
            metricName: "workcell_yield_cycles_ingested", unitName: "total",
            helpText: "Cycles stored (duplicates excluded), by cell, outcome and failure code."),
          labels: [("cell", cell), ("outcome", outcome), ("failure_code", failureCode)]
        ).increment(by: Int64(count))
      }
      if tally.firstPass > 0 {
        registry.makeCounter(
          descriptor: MetricNameDescriptor(
            metricName: "workcell_yield_first_pass_cycles", unitName: "total",
            helpText: "Stored ok cycles that needed one attempt, by cell."),
          labels: [("cell", cell)]
        ).increment(by: Int64(tally.firstPass))
      }
      if tally.taktMet > 0 {
        registry.makeCounter(
          descriptor: MetricNameDescriptor(
            metricName: "workcell_yield_takt_met_cycles", unitName: "total",
            helpText: "Stored ok cycles with cycle_ms <= ideal_cycle_ms, by cell."),
          labels: [("cell", cell)]
        ).increment(by: Int64(tally.taktMet))
      }
    }
  }

  func cycleTime(_ cell: String) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_cycle_time", unitName: "seconds",
        helpText: "cycle_ms of stored non-aborted cycles, by cell."),
      labels: [("cell", cell)], buckets: Self.cycleTimeBuckets)
  }

  /// Records the size of one ingest batch (records received, duplicates included).
  func recordBatch(size: Int, kind: String) {
    registry.makeValueHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_ingest_batch_size", unitName: "",
        helpText: "Records per ingest request (REST POST, gRPC batch or stream), by record kind."),
      labels: [("kind", kind)], buckets: Self.batchBuckets
    ).record(Double(size))
  }

  /// Counts duplicates (already stored ids) of ingest batches.
  func recordDuplicates(_ count: Int, kind: String) {
    guard count > 0 else { return }
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_duplicates", unitName: "total",
        helpText: "Re-sent records whose id was already stored (no-ops), by record kind."),
      labels: [("kind", kind)]
    ).increment(by: Int64(count))
  }

  func recordStateEvents(accepted: Int) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_state_events_ingested", unitName: "total",
        helpText: "State events stored (duplicates excluded)."),
      labels: []
    ).increment(by: Int64(accepted))
  }

  /// The latency histogram of one API endpoint (REST path or gRPC method), outcome labelled.
  func queryDuration(endpoint: String) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_query_duration", unitName: "seconds",
        helpText: "Time to answer a yield API request, by endpoint (REST path or gRPC method)."),
      labels: [("endpoint", endpoint)], buckets: Self.queryBuckets)
  }

  /// Database operations running now (a proxy for pool usage: each holds a connection).
  var dbOperationsInFlight: Gauge {
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_yield_db_operations_in_flight", unitName: "",
        helpText: "Database operations running now; each holds one pooled connection."),
      labels: [])
  }

  /// Publishes the current shift's OEE figures of a cell.
  func recordShiftOee(cell: String, figures: OeeFigures) {
    for (name, value) in [
      ("oee", figures.oee), ("availability", figures.availability), ("performance", figures.performance),
      ("quality", figures.quality),
    ] {
      registry.makeGauge(
        descriptor: MetricNameDescriptor(
          metricName: "workcell_yield_shift_\(name)", unitName: "ratio",
          helpText: "The current shift's \(name) of a cell so far (NaN when undefined), refreshed every minute."),
        labels: [("cell", cell)]
      ).set(value ?? .nan)
    }
  }
}
