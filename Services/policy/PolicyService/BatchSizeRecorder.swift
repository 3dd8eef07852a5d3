import PolicyRuntime
import Prometheus

/// Turns the batcher's running statistics into the batch-size histogram: each new batch once.
/// When several batches ran between two looks, they are recorded at their mean size.
actor BatchSizeRecorder {
  private let histogram: ValueHistogram
  private var seenBatches = 0
  private var seenObservations = 0

  init(metrics: PolicyMetrics) { histogram = metrics.batchSize }

  /// Records the batches run since the last call.
  func record(_ statistics: PolicyBatcher.Statistics) {
    let batches = statistics.batches - seenBatches
    guard batches > 0 else { return }
    let observations = statistics.observations - seenObservations
    seenBatches = statistics.batches
    seenObservations = statistics.observations
    if batches == 1 {
      histogram.record(Double(statistics.lastBatchSize))
    } else {
      for _ in 0..<batches { histogram.record(Double(observations) / Double(batches)) }
    }
  }
}
