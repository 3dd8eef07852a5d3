import Prometheus

/// perception's Prometheus metrics: estimates served by trusted modality, frame processing
/// time, frames received, dropped and stale, and the sensor links.
struct PerceptionMetrics: Sendable {
  let registry: PrometheusCollectorRegistry
  private let processingBuckets: [Duration] = [
    .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
  ]

  /// Estimates served (Estimate, WatchEstimates, Refine), by the modality trusted for the pose.
  func estimates(rpc: String, phase: String, trusted: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_estimates", unitName: "total",
        helpText: "Estimates served, by RPC, cycle step and the modality trusted for the nut pose (none = nothing)."),
      labels: [("rpc", rpc), ("phase", phase), ("trusted", trusted)])
  }

  /// Time to turn one raw frame into a modality estimate (vision: one image; tactile: one sample of both fingers).
  func processing(modality: String) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_frame_processing", unitName: "seconds",
        helpText: "Time to turn one raw frame into an estimate (vision: one image; tactile: both fingertips)."),
      labels: [("modality", modality)], buckets: processingBuckets)
  }

  /// Frames received from the sensor source.
  func received(source: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_frames_received", unitName: "total",
        helpText: "Raw frames received from the sensor source (tactile: one per fingertip)."),
      labels: [("source", source)])
  }

  /// Frames dropped: replaced by a newer one before any estimate used them, or unreadable.
  func dropped(source: String, reason: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_frames_dropped", unitName: "total",
        helpText: "Frames dropped: superseded (a newer frame came before any estimate used it) or malformed."),
      labels: [("source", source), ("reason", reason)])
  }

  /// Estimates in which a modality's newest frame was older than the freshness limit.
  func stale(modality: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_stale_frames", unitName: "total",
        helpText: "Estimates served with a modality STALE_DATA (its newest frame older than --max-frame-age-ms)."),
      labels: [("modality", modality)])
  }

  /// 1 while a sensor stream delivers, 0 otherwise.
  func linkUp(stream: String) -> Gauge {
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_sensor_link_up", unitName: "",
        helpText: "1 while the sensor stream delivers frames, 0 while it connects or is down."),
      labels: [("stream", stream)])
  }

  /// Reconnects of a sensor stream.
  func reconnects(stream: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_perception_sensor_reconnects", unitName: "total",
        helpText: "Times a sensor stream failed or ended and was opened again."),
      labels: [("stream", stream)])
  }
}
