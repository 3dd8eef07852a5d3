import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2

/// How a service reaches a peer: HTTP/2 over the network (every deployment), or grpc-swift's
/// in-process transport when both run in one process (`InProcessGRPC`, the demo). Callers see
/// one client type either way; messages are the same bytes.
public struct FleetClientTransport: ClientTransport {
  public typealias Bytes = HTTP2ClientTransport.Posix.Bytes

  enum Link: Sendable {
    case network(HTTP2ClientTransport.Posix)
    case inProcess(InProcessTransport.Client)
  }

  let link: Link

  public static func network(_ transport: HTTP2ClientTransport.Posix) -> FleetClientTransport {
    FleetClientTransport(link: .network(transport))
  }

  public static func inProcess(_ transport: InProcessTransport.Client) -> FleetClientTransport {
    FleetClientTransport(link: .inProcess(transport))
  }

  /// To the service on `port`: in this process if `inProcess` serves it, else over `network()`.
  public static func to(
    port: Int, inProcess: InProcessGRPC?, network: () throws -> HTTP2ClientTransport.Posix
  ) rethrows -> FleetClientTransport {
    if let local = inProcess?.clientTransport(port: port) { return .inProcess(local) }
    return .network(try network())
  }

  public var retryThrottle: RetryThrottle? {
    switch link {
    case .network(let transport): transport.retryThrottle
    case .inProcess(let transport): transport.retryThrottle
    }
  }

  public func connect() async throws {
    switch link {
    case .network(let transport): try await transport.connect()
    case .inProcess(let transport): try await transport.connect()
    }
  }

  public func beginGracefulShutdown() {
    switch link {
    case .network(let transport): transport.beginGracefulShutdown()
    case .inProcess(let transport): transport.beginGracefulShutdown()
    }
  }

  public func config(forMethod descriptor: MethodDescriptor) -> MethodConfig? {
    switch link {
    case .network(let transport): transport.config(forMethod: descriptor)
    case .inProcess(let transport): transport.config(forMethod: descriptor)
    }
  }

  public func withStream<T: Sendable>(
    descriptor: MethodDescriptor,
    options: CallOptions,
    _ closure: (_ stream: RPCStream<Inbound, Outbound>, _ context: ClientContext) async throws -> T
  ) async throws -> T {
    switch link {
    case .network(let transport):
      return try await transport.withStream(descriptor: descriptor, options: options, closure)
    case .inProcess(let transport):
      return try await transport.withStream(descriptor: descriptor, options: options) { stream, context in
        let inbound = RPCAsyncSequence<RPCResponsePart<Bytes>, any Error>(
          wrapping: stream.inbound.map { part -> RPCResponsePart<Bytes> in
            switch part {
            case .metadata(let metadata): .metadata(metadata)
            case .message(let bytes): .message(Bytes(bytes))
            case .status(let status, let metadata): .status(status, metadata)
            }
          })
        let outbound = RPCWriter<RPCRequestPart<Bytes>>.Closable(wrapping: RequestPartsAsBytes(base: stream.outbound))
        return try await closure(RPCStream(descriptor: stream.descriptor, inbound: inbound, outbound: outbound), context)
      }
    }
  }
}

/// Writes request parts to an in-process stream, the message bytes copied to `[UInt8]`.
private struct RequestPartsAsBytes: ClosableRPCWriterProtocol {
  typealias Element = RPCRequestPart<FleetClientTransport.Bytes>
  let base: RPCWriter<RPCRequestPart<[UInt8]>>.Closable

  func write(_ element: Element) async throws {
    try await base.write(Self.converted(element))
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    try await base.write(contentsOf: elements.map(Self.converted))
  }

  func finish() async { await base.finish() }

  func finish(throwing error: any Error) async { await base.finish(throwing: error) }

  private static func converted(_ part: Element) -> RPCRequestPart<[UInt8]> {
    switch part {
    case .metadata(let metadata): .metadata(metadata)
    case .message(let bytes): .message(bytes.withUnsafeBytes { [UInt8]($0) })
    }
  }
}
