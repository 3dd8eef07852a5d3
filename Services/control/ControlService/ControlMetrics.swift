import Prometheus
import WholeBodyControl

/// control's Prometheus metrics, labelled by robot. Made once at start; the loop thread only
/// records (each a short lock or an atomic, no allocation).
struct ControlMetrics: Sendable {
  /// Tick period (time between two wake-ups of the loop).
  let loopPeriod: DurationHistogram
  /// |period − 1 ms|.
  let loopJitter: DurationHistogram
  /// Period quantiles from the loop's own fine histogram (10 µs bins), refreshed every second.
  let periodQuantiles: [(quantile: Double, gauge: Gauge)]
  /// Jitter quantiles, likewise.
  let jitterQuantiles: [(quantile: Double, gauge: Gauge)]
  /// Periods longer than 1.5 ms.
  let overruns: Counter
  /// Ticks that passed without a new state datagram.
  let missedStates: Counter
  /// Joint-bus timeouts (no state for the controller's bus timeout: fault).
  let busTimeouts: Counter
  /// Datagrams dropped as malformed or for another robot.
  let droppedDatagrams: Counter
  /// Chunks ended, by reason.
  let chunksEnded: [ExecutionReason: Counter]
  /// Chunks refused at Execute (invalid, wrong mode, bus down).
  let chunksRefused: Counter
  /// The controller mode (control.proto's ControlMode number).
  let mode: Gauge
  /// Estimated balance margin, metres.
  let balanceMargin: Gauge
  /// The loop thread's SCHED_FIFO priority (0: ordinary).
  let realtimePriority: Gauge

  init(registry: PrometheusCollectorRegistry, robot: String) {
    let labels = [("robot", robot)]
    let periodBuckets: [Duration] = [
      .microseconds(500), .microseconds(900), .microseconds(950), .microseconds(980), .microseconds(990),
      .microseconds(1000), .microseconds(1010), .microseconds(1020), .microseconds(1050), .microseconds(1100),
      .microseconds(1200), .microseconds(1500), .milliseconds(2), .milliseconds(5), .milliseconds(10),
      .milliseconds(50),
    ]
    let jitterBuckets: [Duration] = [
      .microseconds(5), .microseconds(10), .microseconds(20), .microseconds(50), .microseconds(100),
      .microseconds(200), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
      .milliseconds(10), .milliseconds(50),
    ]
    loopPeriod = registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_loop_period", unitName: "seconds",
        helpText: "Time between two ticks of the 1 kHz control loop."),
      labels: labels, buckets: periodBuckets)
    loopJitter = registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_loop_jitter", unitName: "seconds",
        helpText: "Deviation of the control loop's tick period from 1 ms."),
      labels: labels, buckets: jitterBuckets)
    periodQuantiles = [0.5, 0.99, 0.999].map { q in
      (
        q,
        registry.makeGauge(
          descriptor: MetricNameDescriptor(
            metricName: "workcell_control_loop_period_quantile", unitName: "seconds",
            helpText: "Control loop period quantiles since start (10 µs resolution)."),
          labels: labels + [("quantile", "\(q)")])
      )
    }
    jitterQuantiles = [0.5, 0.99, 0.999].map { q in
      (
        q,
        registry.makeGauge(
          descriptor: MetricNameDescriptor(
            metricName: "workcell_control_loop_jitter_quantile", unitName: "seconds",
            helpText: "Control loop jitter quantiles since start (10 µs resolution)."),
          labels: labels + [("quantile", "\(q)")])
      )
    }
    overruns = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_loop_overruns", unitName: "total",
        helpText: "Control loop periods longer than 1.5 ms."),
      labels: labels)
    missedStates = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_joint_bus_missed_states", unitName: "total",
        helpText: "Control ticks that found no new state datagram from the robot."),
      labels: labels)
    busTimeouts = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_joint_bus_timeouts", unitName: "total",
        helpText: "Joint-bus timeouts (no state for the bus timeout; the controller faults)."),
      labels: labels)
    droppedDatagrams = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_joint_bus_dropped_datagrams", unitName: "total",
        helpText: "Joint-bus datagrams dropped: wrong size, magic, kind, CRC or robot."),
      labels: labels)
    var ended: [ExecutionReason: Counter] = [:]
    for reason in ExecutionReason.allCases {
      ended[reason] = registry.makeCounter(
        descriptor: MetricNameDescriptor(
          metricName: "workcell_control_chunks", unitName: "total",
          helpText: "Action chunks whose tracking ended, by reason."),
        labels: labels + [("reason", reason.description)])
    }
    chunksEnded = ended
    chunksRefused = registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_chunks_refused", unitName: "total",
        helpText: "Action chunks refused at Execute (invalid, wrong mode, joint bus down)."),
      labels: labels)
    mode = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_mode", unitName: "",
        helpText:
          "Controller mode as control.proto's ControlMode number (0 not connected, 2 holding, 3 tracking, 6 stopped, 7 fault)."
      ),
      labels: labels)
    realtimePriority = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_realtime_priority", unitName: "",
        helpText: "SCHED_FIFO priority the 1 kHz loop's thread runs at; 0 = an ordinary thread (not asked, or not permitted)."),
      labels: labels)
    balanceMargin = registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_control_balance_margin", unitName: "meters",
        helpText: "Estimated capture-point distance inside the support polygon."),
      labels: labels)
  }

  /// Exports the loop's own statistics as quantile gauges.
  func publish(_ stats: LoopTimingStats) {
    // Index loops: the loop thread calls this every second, and must not allocate.
    for i in 0..<periodQuantiles.count {
      periodQuantiles[i].gauge.set(Double(stats.periodQuantileNanoseconds(periodQuantiles[i].quantile)) / 1e9)
    }
    for i in 0..<jitterQuantiles.count {
      jitterQuantiles[i].gauge.set(Double(stats.jitterQuantileNanoseconds(jitterQuantiles[i].quantile)) / 1e9)
    }
  }
}
