import Logging
import ModbusProtocol
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// What a Modbus TCP server serves: the devices behind its endpoint, by unit id.
public protocol ModbusDevice: Sendable {
  /// Answers `request` for device `unit`: data, a write confirmation, or an exception.
  func handle(_ request: ModbusRequest, unit: UInt8) async -> ModbusResponse
}

/// A Modbus TCP server (the simulated PLCs' side of the wire): accepts connections, decodes
/// MBAP frames, and answers each request through a ``ModbusDevice``. Requests it cannot decode
/// are answered with exception 1 (unsupported function) or 3 (bad value), as a PLC would.
public final class ModbusTCPServer: Service, Sendable {
  public let host: String
  public let port: Int
  private let device: any ModbusDevice
  private let logger: Logger
  private let bound = Mutex<Int?>(nil)
  /// Clients in this process that reach `port` without TCP (`workcell demo`).
  private let inProcess: InProcessModbus?

  public init(host: String, port: Int, device: any ModbusDevice, inProcess: InProcessModbus? = nil, logger: Logger) {
    self.host = host
    self.port = port
    self.device = device
    self.inProcess = inProcess
    self.logger = logger
  }

  /// The port actually bound (useful with port 0), waiting up to `timeout` for the bind.
  public func boundPort(timeout: Duration = .seconds(5)) async -> Int? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if let port = bound.withLock({ $0 }) { return port }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return bound.withLock { $0 }
  }

  public func run() async throws {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MBAPFrameDecoder()))
          return try NIOAsyncChannel<MBAPFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    bound.withLock { $0 = server.channel.localAddress?.port }
    logger.info("Modbus TCP server listening", metadata: ["port": "\(server.channel.localAddress?.port ?? -1)"])
    let boundPort = server.channel.localAddress?.port ?? port
    inProcess?.register(self, port: boundPort)
    defer { inProcess?.unregister(port: boundPort) }
    do {
      try await cancelWhenGracefulShutdown {
        try await server.executeThenClose { connections in
          try await withThrowingDiscardingTaskGroup { group in
            for try await connection in connections {
              group.addTask { await self.serve(connection) }
            }
          }
        }
      }
    } catch is CancellationError {
      // Graceful shutdown: open connections were closed; nothing went wrong.
    }
    logger.info("Modbus TCP server stopped")
  }

  private func serve(_ connection: NIOAsyncChannel<MBAPFrame, ByteBuffer>) async {
    let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "unknown"
    logger.debug("Modbus client connected", metadata: ["peer": "\(peer)"])
    do {
      try await connection.executeThenClose { inbound, outbound in
        // Requests are answered concurrently, as they complete: Modbus TCP clients may pipeline
        // requests and match answers by transaction id.
        try await withThrowingDiscardingTaskGroup { group in
          for try await frame in inbound {
            group.addTask {
              let answer = await self.answer(frame.pdu[...], unit: frame.unitID)
              let reply = MBAPFrame(transactionID: frame.transactionID, unitID: frame.unitID, pdu: answer)
              try await outbound.write(ByteBuffer(bytes: reply.encode()))
            }
          }
        }
      }
    } catch {
      logger.debug("Modbus client connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
    }
  }

  /// The response PDU to a request PDU.
  func answer(_ pdu: ArraySlice<UInt8>, unit: UInt8) async -> [UInt8] {
    do {
      let request = try ModbusRequest.decode(pdu)
      return await device.handle(request, unit: unit).encode(answering: request)
    } catch {
      let function = pdu.first ?? 0
      let code: ModbusExceptionCode = error.code == .unsupportedFunction ? .illegalFunction : .illegalDataValue
      return [function | 0x80, code.rawValue]
    }
  }
}
