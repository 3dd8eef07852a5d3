import Prometheus

/// policy's Prometheus metrics: inference latency (by batch size) and batch sizes. The names
/// are the ones deploy/grafana's dashboard queries.
struct PolicyMetrics: Sendable {
  let registry: PrometheusCollectorRegistry
  private let latencyBuckets: [Duration] = [
    .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
  ]

  /// Time from a request reaching the batcher to its chunk (batching window + forward pass), by
  /// the size of the batch that ran last when the answer came back.
  func inference(batchSize: Int) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_policy_inference", unitName: "seconds",
        helpText: "Time from an observation reaching the batcher to its chunk (window + forward pass), by batch size."),
      labels: [("batch_size", "\(batchSize)")], buckets: latencyBuckets)
  }

  /// Observations per forward pass.
  var batchSize: ValueHistogram {
    registry.makeValueHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_policy_batch_size", unitName: "",
        helpText: "Observations per forward pass (requests from several robots batched together)."),
      labels: [], buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32])
  }

  /// How far a shadow model's chunks are from the answered ones (joint-space RMS over the
  /// executed prefix), by shadow and answering version.
  func shadowDivergence(shadow: String, answering: String) -> ValueHistogram {
    registry.makeValueHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_policy_shadow_divergence", unitName: "radians",
        helpText: "Joint-space RMS difference between a shadow model's chunk and the answered one over the executed prefix."),
      labels: [("shadow", shadow), ("model", answering)], buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1])
  }

  /// Chunks served, by RPC and model version.
  func chunks(rpc: String, model: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_policy_chunks", unitName: "total",
        helpText: "Action chunks served, by RPC and model version."),
      labels: [("rpc", rpc), ("model", model)])
  }
}
