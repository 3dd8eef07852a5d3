import PolicyRuntime

/// Inference latency of `model.act` for a batch size: p50 and p99 over many runs.
enum LatencyBenchmark {
  struct Result {
    var batch: Int
    var p50Us: Double
    var p99Us: Double
  }

  static func measure(model: PolicyModel, observations: [PolicyObservation], batch: Int, runs: Int = 2000) -> Result {
    let inputs = (0..<batch).map { observations[$0 % observations.count] }
    var samples: [Double] = []
    samples.reserveCapacity(runs)
    var sink = 0.0
    for _ in 0..<100 { sink += model.act(inputs)[0].steps[0].jointPositionsRad[0] }
    let clock = ContinuousClock()
    for _ in 0..<runs {
      let start = clock.now
      let chunks = model.act(inputs)
      let elapsed = clock.now - start
      sink += chunks[0].steps[0].jointPositionsRad[0]
      samples.append(Double(elapsed.components.attoseconds) * 1e-12 + Double(elapsed.components.seconds) * 1e6)
    }
    samples.sort()
    if sink.isNaN { samples[0] = 0 }
    return Result(batch: batch, p50Us: samples[runs / 2], p99Us: samples[runs * 99 / 100])
  }
}
