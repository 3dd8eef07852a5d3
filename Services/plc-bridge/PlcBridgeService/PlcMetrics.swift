import PlcHandshakes
import Prometheus

/// The bridge's Prometheus metrics: poll latency, handshake durations, faults by code,
/// connection state and tag age, labelled by side and device.
struct PlcMetrics: Sendable {
  let registry: PrometheusCollectorRegistry
  private let latencyBuckets: [Duration] = [
    .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
    .milliseconds(500), .seconds(1),
  ]
  private let handshakeBuckets: [Duration] = [
    .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
    .seconds(1), .seconds(1.5), .seconds(2), .seconds(3), .seconds(4), .seconds(5), .seconds(8), .seconds(10),
  ]

  func pollLatency(_ device: PlcDevice, _ endpoint: PlcEndpoint) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_poll_latency", unitName: "seconds",
        helpText: "Time to read a PLC device's inputs (discrete inputs and input registers)."),
      labels: [("side", PlcEndpoint.name(of: endpoint.side)), ("device", device.rawValue)], buckets: latencyBuckets)
  }

  func pollErrors(_ device: PlcDevice, _ endpoint: PlcEndpoint, _ code: String) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_poll_errors", unitName: "total",
        helpText: "Polls of a PLC device that failed, by error code."),
      labels: [("side", PlcEndpoint.name(of: endpoint.side)), ("device", device.rawValue), ("code", code)])
  }

  func connected(_ device: PlcDevice, _ endpoint: PlcEndpoint) -> Gauge {
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_connected", unitName: "",
        helpText: "1 while the bridge's Modbus TCP connection to the device is up."),
      labels: [("side", PlcEndpoint.name(of: endpoint.side)), ("device", device.rawValue)])
  }

  func tagAge(_ device: PlcDevice, _ endpoint: PlcEndpoint) -> Gauge {
    registry.makeGauge(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_tag_age", unitName: "seconds",
        helpText: "Age of the device's newest input values when last observed."),
      labels: [("side", PlcEndpoint.name(of: endpoint.side)), ("device", device.rawValue)])
  }

  func handshakeDuration(_ handshake: String, _ result: String) -> DurationHistogram {
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_handshake_duration", unitName: "seconds",
        helpText: "Duration of a PLC handshake step (request_part, confirm_taken, clamp, fasten, release, reset)."),
      labels: [("handshake", handshake), ("result", result)], buckets: handshakeBuckets)
  }

  func faults(_ device: PlcDevice, _ endpoint: PlcEndpoint, _ code: UInt16) -> Counter {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        metricName: "workcell_plc_faults", unitName: "total",
        helpText: "PLC faults seen latched (FAULT_CODE rising from 0), by device and code."),
      labels: [("side", PlcEndpoint.name(of: endpoint.side)), ("device", device.rawValue), ("fault_code", "\(code)")])
  }
}
