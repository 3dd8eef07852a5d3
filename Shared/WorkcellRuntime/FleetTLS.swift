import Foundation
import GRPCNIOTransportHTTP2
import Synchronization

/// One process's identity on the plant network: the plant's CA, and this identity's certificate
/// and key, as `workcell certs init --plant DIR` writes them (`DIR/ca.pem`, `DIR/<identity>.pem`,
/// `DIR/<identity>.key`). Every gRPC hop is then mutual TLS: the server demands a certificate the
/// plant's CA signed and authorizes the caller by its identity (``FleetAuthorization``); the
/// client offers its own and checks the server's against the CA and the address it dialled.
/// docs/security.md.
public struct FleetTLS: Sendable, Hashable {
  /// Who this process is (the certificate's common name), e.g. `cell`, `control`, `operator`.
  public let identity: String
  public let caPath: String
  public let certificatePath: String
  public let keyPath: String

  /// The files of `identity` in `directory`; throws naming a missing or unreadable one.
  public init(directory: String, identity: String) throws(WorkcellError) {
    let base = URL(fileURLWithPath: directory)
    self.identity = identity
    caPath = base.appendingPathComponent("ca.pem").path
    certificatePath = base.appendingPathComponent("\(identity).pem").path
    keyPath = base.appendingPathComponent("\(identity).key").path
    for (path, what) in [(caPath, "the plant's CA"), (certificatePath, "\(identity)'s certificate"), (keyPath, "\(identity)'s key")]
    where !FileManager.default.isReadableFile(atPath: path) {
      throw WorkcellError(
        .invalidArgument,
        "--tls-dir \(directory): \(what) (\(path)) is missing or unreadable; make them with "
          + "`workcell certs init --plant \(directory)`.")
    }
  }

  /// The server side: this identity's certificate, and callers must offer one the plant's CA signed.
  public var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
    .mTLS(
      certificateChain: [.file(path: certificatePath, format: .pem)], privateKey: .file(path: keyPath, format: .pem)
    ) { config in
      config.trustRoots = .certificates([.file(path: caPath, format: .pem)])
      config.clientCertificateVerification = .noHostnameVerification
    }
  }

  /// The client side: this identity's certificate, and the server's must chain to the plant's CA.
  /// Its name is not matched to the host dialled: a plant addresses one identity under many names
  /// (`control`, `cell-01-control`, an IP); who may do what is the server's check on the caller.
  public var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
    .mTLS(
      certificateChain: [.file(path: certificatePath, format: .pem)], privateKey: .file(path: keyPath, format: .pem)
    ) { config in
      config.trustRoots = .certificates([.file(path: caPath, format: .pem)])
      config.serverCertificateVerification = .noHostnameVerification
    }
  }

  /// The name a client sends in the TLS handshake (SNI) when it dials `host`: the host name, or
  /// `localhost` for an IP address (SNI cannot carry an address).
  public static func serverName(dialling host: String) -> String {
    let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    return isIPv4 || host.contains(":") ? "localhost" : host
  }

  private static let current = Mutex<(directory: String, client: FleetTLS)?>(nil)

  /// The identity this process's clients present (nil: plaintext, e.g. the demo's in-process
  /// fleet or a development run).
  public static var process: FleetTLS? { current.withLock { $0?.client } }

  /// Turns mutual TLS on for this process, at start-up: its clients present `clientIdentity`'s
  /// certificate, and each service it serves presents its own (``serving(_:)``).
  @discardableResult
  public static func enable(directory: String, clientIdentity: String) throws(WorkcellError) -> FleetTLS {
    let client = try FleetTLS(directory: directory, identity: clientIdentity)
    current.withLock { $0 = (directory, client) }
    return client
  }

  /// For an operator's command (`workcell cell …`, `workcell health`): TLS from `directory`
  /// (else `WORKCELL_TLS_DIR`) as `identity` (else `WORKCELL_TLS_IDENTITY`, else operator);
  /// plaintext when neither names a directory.
  public static func enableForCommand(
    directory: String?, identity: String?, environment: [String: String]
  ) throws(WorkcellError) {
    guard let directory = directory ?? environment["WORKCELL_TLS_DIR"], !directory.isEmpty else { return }
    try enable(
      directory: directory,
      clientIdentity: identity ?? environment["WORKCELL_TLS_IDENTITY"] ?? FleetAuthorization.operatorIdentity)
  }

  /// Turns it off again (tests).
  public static func disable() { current.withLock { $0 = nil } }

  /// The server identity of `service` in this process: its own certificate from the directory
  /// ``enable(directory:clientIdentity:)`` named; nil while TLS is off.
  public static func serving(_ service: String) throws(WorkcellError) -> FleetTLS? {
    guard let directory = current.withLock({ $0?.directory }) else { return nil }
    return try FleetTLS(directory: directory, identity: service)
  }
}
