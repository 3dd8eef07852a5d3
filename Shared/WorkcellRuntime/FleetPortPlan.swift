/// Where each fleet service listens by default, so that one service alone and the whole fleet in
/// one process (`workcell serve --target all`) agree on ports without configuration.
///
/// A service's gRPC port is `grpcBase + offset` and its HTTP port (`/metrics`, `/healthz`,
/// `/readyz`, and yield's REST API) is `httpBase + offset`.
public enum FleetPortPlan {
  /// The fleet's services in a fixed order; a service's index is its port offset.
  public static let order: [String] = [
    "perception", "policy", "control", "plc-bridge", "cell", "yield", "cell-sim",
  ]
  /// The default first gRPC port.
  public static let grpcBase = 50061
  /// The default first HTTP port.
  public static let httpBase = 9161

  /// The robots' joint bus (UDP) when cell-sim and control share one process: the first port
  /// after the gRPC range (50068 by default).
  public static func jointBusPort(grpcBase: Int) -> Int { grpcBase + order.count }

  /// The port offset of a fleet service, or nil when the name is not a fleet service.
  public static func offset(of service: String) -> Int? {
    order.firstIndex(of: service)
  }
}
