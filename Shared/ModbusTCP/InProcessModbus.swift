import Synchronization

/// The Modbus links of a fleet whose PLCs and bridge run in one process (`workcell demo`): a
/// ``ModbusTCPClient`` of a port a ``ModbusTCPServer`` serves here hands each request's PDU to
/// that server's answering code directly — the same PDUs, unit ids, exceptions and decoding as
/// on the wire, without the kernel and two event-loop hops per request.
public final class InProcessModbus: Sendable {
  /// The ports served in this process (besides those of servers already running here); clients
  /// of other ports use TCP.
  public let ports: Set<Int>
  private let servers = Mutex<[Int: ModbusTCPServer]>([:])

  public init(ports: Set<Int>) {
    self.ports = ports
  }

  /// Whether a client of `port` stays in this process.
  func serves(port: Int) -> Bool { ports.contains(port) || server(port: port) != nil }

  func register(_ server: ModbusTCPServer, port: Int) {
    servers.withLock { $0[port] = server }
  }

  func unregister(port: Int) {
    servers.withLock { _ = $0.removeValue(forKey: port) }
  }

  /// The server answering `port`, once it runs.
  func server(port: Int) -> ModbusTCPServer? { servers.withLock { $0[port] } }
}
