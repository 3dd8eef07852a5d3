import GRPCCore
import GRPCNIOTransportHTTP2
import X509

/// On a server with mutual TLS: the caller's identity is its certificate's common name (the TLS
/// handshake already checked that the plant's CA signed it), and ``FleetAuthorization`` decides
/// whether it may call the method — PERMISSION_DENIED naming the identity and the method if not,
/// UNAUTHENTICATED if the connection carries no certificate.
public struct IdentityInterceptor: ServerInterceptor {
  public init() {}

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let method = context.descriptor.fullyQualifiedMethod
    guard let identity = Self.identity(context) else {
      return StreamingServerResponse(
        error: RPCError(code: .unauthenticated, message: "\(method) needs a client certificate from the plant's CA."))
    }
    if let refusal = FleetAuthorization.refusal(identity: identity, method: method) {
      return StreamingServerResponse(error: RPCError(code: .permissionDenied, message: refusal + "."))
    }
    return try await next(request, context)
  }

  /// The common name of the caller's certificate, if the transport carries one.
  static func identity(_ context: ServerContext) -> String? {
    guard let tls = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
      let certificate = tls.peerCertificate
    else { return nil }
    for rdn in certificate.subject {
      for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
        return attribute.value.description
      }
    }
    return nil
  }
}
