import CycleSequencing
import Prometheus
import YieldKPI

/// cell's Prometheus metrics: cycles by outcome and failure code, cycle time, outbox depth.
struct CellMetrics: Sendable {
  private let registry: PrometheusCollectorRegistry
  private let cycleSeconds: DurationHistogram
  private let outbox: Gauge

  init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
    cycleSeconds = registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_cycle_duration", unitName: "seconds",
        helpText: "Duration of finished cycles on the cell's clock."),
      buckets: [10, 20, 30, 40, 50, 60, 70, 76, 90, 120].map { Duration.seconds($0) })
    outbox = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_outbox_records", unitName: "",
        helpText: "Cycle records in the outbox not yet acknowledged by yield."))
  }

  func cycle(_ verdict: CycleVerdict) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_cycles", unitName: "total", helpText: "Finished cycles by outcome and failure code."),
      labels: [("outcome", verdict.outcome.rawValue), ("failure_code", verdict.failureCode?.rawValue ?? "")]
    ).increment()
    cycleSeconds.record(.milliseconds(verdict.cycleMs))
  }

  func outboxDepth(_ count: Int) { outbox.set(Double(count)) }
}
