import WorkcellRuntime
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import Synchronization
import WorkcellProto

/// The e-stop input: follows plc-bridge's `WatchSafety` (every side of the cell) and tells the
/// controller when the safety chain opens or closes. Any side's `estop_ok = false` opens it (an
/// e-stop stops the whole cell). Losing the stream also opens it — safety unknown is treated as
/// unsafe — and the follower reconnects with a backoff; closing again only allows a Resume.
/// Before the first event the chain counts as closed (the robot starts).
struct PlcSafetyInput: Service {
  let address: HostPort
  let handle: ControllerHandle
  let logger: Logger
  /// The plc-bridge may run in this process (`workcell demo`).
  var inProcessGRPC: InProcessGRPC? = nil

  func run() async throws {
    let link = LinkState()
    await cancelWhenGracefulShutdown {
      var backoff = Duration.milliseconds(200)
      while !Task.isCancelled {
        do {
          try await withGRPCClient(
            transport: try FleetClientTransport.to(port: address.port, inProcess: inProcessGRPC, network: address.grpcTransport)
          ) { client in
            let bridge = Workcell_Plc_V1_PlcBridge.Client(wrapping: client)
            try await bridge.watchSafety(.init()) { response in
              for try await message in response.messages {
                if !link.connected.exchange(true, ordering: .relaxed) {
                  logger.info("safety input connected", metadata: ["plc_bridge": "\(address)"])
                }
                let sides = message.event.sides
                let open = sides.contains { !$0.estopOk }
                let reason =
                  open
                  ? "e-stop: safety chain open on the "
                    + sides.filter { !$0.estopOk }.map { "\($0.side)" }.joined(separator: ", ") + " side (plc-bridge)"
                  : ""
                handle.post(.safety(open: open, reason: reason))
                // Read the next event only once the loop has applied this one (so on a simulated
                // clock the change takes effect at the instant it was published).
                try? await handle.perform { .flush(reply: $0) }
              }
            }
          }
        } catch {
          if Task.isCancelled { return }
          logger.warning(
            "safety input lost", metadata: ["plc_bridge": "\(address)", "error": "\(error)"])
        }
        if Task.isCancelled { return }
        if link.connected.exchange(false, ordering: .relaxed) {
          logger.warning("safety unknown: treating the safety chain as open", metadata: ["plc_bridge": "\(address)"])
          handle.post(.safety(open: true, reason: "safety unknown: lost plc-bridge's WatchSafety at \(address)"))
          backoff = .milliseconds(200)
        }
        try? await Task.sleep(for: backoff)
        backoff = min(backoff * 2, .seconds(5))
      }
    }
  }

  /// Whether the stream has delivered since the last (re)connect; shared with the response handler.
  private final class LinkState: Sendable {
    let connected = Atomic<Bool>(false)
  }
}
