import ModbusTCP

/// What a fleet whose services all run in one process (`workcell demo`) reaches without the
/// network: its gRPC peers (grpc-swift's in-process transport) and its PLCs (Modbus PDUs handed
/// to the simulated PLC's server directly). Same contracts either way.
public struct InProcessFleet: Sendable {
  public let grpc: InProcessGRPC
  public let modbus: InProcessModbus

  /// The fleet serves these gRPC and Modbus TCP ports in this process.
  public init(grpcPorts: Set<Int>, modbusPorts: Set<Int>) {
    grpc = InProcessGRPC(ports: grpcPorts)
    modbus = InProcessModbus(ports: modbusPorts)
  }
}
