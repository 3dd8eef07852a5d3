import ArgumentParser
import GRPCCore
import SimulatedTime
import GRPCNIOTransportHTTP2

/// A `HOST:PORT` network address of a peer service.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public var description: String { "\(host):\(port)" }

  /// Parses `HOST:PORT` given to `flag` (named in the error).
  public static func parse(_ text: String, flag: String) throws -> HostPort {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (1...65535).contains(port), colon != text.startIndex
    else {
      throw ValidationError("\(flag) must be HOST:PORT with a port 1–65535, got '\(text)'.")
    }
    return HostPort(host: String(text[..<colon]), port: port)
  }

  /// An HTTP/2 client transport to this address: mutual TLS as this process's identity when it
  /// has one (``FleetTLS/process``), else plaintext.
  public func grpcTransport() throws -> HTTP2ClientTransport.Posix {
    try Self.transport(target: .dns(host: host, port: port), host: host)
  }

  /// A client transport to `target` (whose host is `host`) with this process's security.
  public static func transport(
    target: any ResolvableTarget, host: String, config: HTTP2ClientTransport.Posix.Config = .defaults
  ) throws -> HTTP2ClientTransport.Posix {
    var config = config
    if let tls = FleetTLS.process {
      config.http2.authority = FleetTLS.serverName(dialling: host)
      return try .http2NIOPosix(target: target, transportSecurity: tls.clientSecurity, config: config)
    }
    return try .http2NIOPosix(target: target, transportSecurity: .plaintext, config: config)
  }

  /// A client of this address for a service on `clock`: on a simulated clock its calls
  /// carry the caller's activity and hold the clock for their messages (docs/simulation.md). A
  /// port that `inProcess` serves is reached in this process instead of over HTTP/2.
  public func grpcClient(clock: any WorkcellClock, inProcess: InProcessGRPC? = nil) throws -> GRPCClient<FleetClientTransport> {
    GRPCClient(
      transport: try .to(port: port, inProcess: inProcess, network: grpcTransport),
      interceptors: (clock as? SimulationClock).map { [SimTimeClientInterceptor(clock: $0)] } ?? [])
  }
}

extension CallOptions {
  /// The defaults with a wall-clock timeout of `seconds` (and, with `waitForReady`, waiting for
  /// the connection instead of failing fast while it comes up).
  public static func timeout(seconds: Double, waitForReady: Bool = false) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = .nanoseconds(Int64(seconds * 1e9))
    if waitForReady { options.waitForReady = true }
    return options
  }

  /// The defaults with a wall-clock timeout of `seconds`, or without one when nil (a call on the
  /// in-process simulation clock: `WorkcellClock.wallTimeout(seconds:)`).
  public static func timeout(seconds: Double?) -> CallOptions {
    guard let seconds else { return .defaults }
    return .timeout(seconds: seconds)
  }
}
