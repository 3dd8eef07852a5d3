import CycleSequencing
import Prometheus
import YieldKPI

/// cell's Prometheus metrics: cycles by outcome and failure code, cycle time, outbox depth.
struct CellMetrics: Sendable {
  private let registry: PrometheusCollectorRegistry
  private let cycleSeconds: DurationHistogram
  private let outbox: Gauge
  private let episodesWritten: Counter
  private let episodesDropped: Counter
  private let episodesFailed: Counter

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
    episodesWritten = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_episodes_written", unitName: "total", helpText: "Cycle episodes written to disk."))
    episodesDropped = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_episodes_dropped", unitName: "total",
        helpText: "Episodes deleted, oldest first, to keep the episode directory within --episodes-max-gb."))
    episodesFailed = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_episodes_failed", unitName: "total",
        helpText: "Episodes that could not be written (disk full, permissions); the cycle record is unaffected."))
  }

  /// An episode was written; `dropped` older ones were deleted for the budget.
  func episodeWritten(dropped: Int) {
    episodesWritten.increment()
    if dropped > 0 { episodesDropped.increment(by: Int64(dropped)) }
  }

  func episodeFailed() { episodesFailed.increment() }

  func cycle(_ verdict: CycleVerdict) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_cycles", unitName: "total", helpText: "Finished cycles by outcome and failure code."),
      labels: [("outcome", verdict.outcome.rawValue), ("failure_code", verdict.failureCode?.rawValue ?? "")]
    ).increment()
    cycleSeconds.record(.milliseconds(verdict.cycleMs))
  }

  func outboxDepth(_ count: Int) { outbox.set(Double(count)) }

  /// 1 while `robot` holds because `service` does not answer, else 0.
  func outage(service: String, robot: String, down: Bool) {
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_cell_service_unavailable", unitName: "",
        helpText: "1 while the robot holds because a service it needs does not answer (downtime, not parts)."),
      labels: [("service", service), ("robot", robot)]
    ).set(down ? 1.0 : 0.0)
  }
}
