import GRPCCore

/// Serves a gRPC service whose behaviour a later issue builds: every method answers
/// UNIMPLEMENTED with a message naming that issue, so callers get an honest, actionable error
/// instead of a made-up result, and the service is already visible to health and reflection.
public struct PendingRPCService: RegistrableRPCService {
  /// The fully qualified gRPC service name, e.g. `workcell.plc.v1.PlcBridge`.
  public let serviceName: String
  /// The methods to answer for.
  public let methods: [MethodDescriptor]
  /// What will build it, in the team's words, e.g. "issue #4 (PLC bridge: Modbus TCP …)".
  public let plannedIn: String

  /// A pending service for `methods` (the generated `Method.descriptors` of the service).
  public init(serviceName: String, methods: [MethodDescriptor], plannedIn: String) {
    self.serviceName = serviceName
    self.methods = methods
    self.plannedIn = plannedIn
  }

  /// The error every method answers with.
  public func unimplementedError(for method: MethodDescriptor) -> RPCError {
    RPCError(
      code: .unimplemented,
      message: "\(method.fullyQualifiedMethod) is not implemented yet: it belongs to \(plannedIn).")
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for method in methods {
      let error = unimplementedError(for: method)
      router.registerHandler(
        forMethod: method,
        deserializer: DiscardingDeserializer(),
        serializer: NothingSerializer()
      ) { _, _ in
        StreamingServerResponse<Never>(error: error)
      }
    }
  }
}

/// Reads a request message by ignoring its bytes: a pending method never looks at them.
private struct DiscardingDeserializer: MessageDeserializer {
  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Void {}
}

/// A pending method never produces a message, so there is nothing to serialize.
private struct NothingSerializer: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: Never) throws -> Bytes {}
}
