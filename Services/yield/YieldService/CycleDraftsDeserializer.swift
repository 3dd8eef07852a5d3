import GRPCCore
import SwiftProtobuf

/// Reads `ReportCyclesRequest` and `ReportCycleBatchRequest` (both `repeated CycleRecord cycles =
/// 1`) straight from the protobuf wire format into drafts, one message's records at a time — the
/// ingest hot path. SwiftProtobuf's
/// generated decoding allocates a copy-on-write storage object and two Timestamp messages per
/// record and the draft then copies every field again; this reader makes the draft from the bytes.
///
/// It accepts and refuses exactly what SwiftProtobuf 1.39 does for these messages (tests compare
/// the two on generated, concatenated — proto's merge — and mutated messages): a known field with
/// another wire type is an unknown field; unknown fields and groups are skipped; a repeated
/// scalar or string field keeps its last value; a repeated Timestamp field merges; strings must be
/// UTF-8; the steps (field 18, not stored) are decoded by SwiftProtobuf only to be checked.
/// Errors answer INVALID_ARGUMENT with the same message as `ProtobufDeserializer`.
struct CycleDraftsDeserializer: MessageDeserializer {
  /// The request type the bytes stand for, named in errors.
  var request: any SwiftProtobuf.Message.Type

  func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [CycleDraft] {
    do {
      return try serializedMessageBytes.withUnsafeBytes { bytes throws(WireFormatError) in
        try CycleRecordWire.drafts(request: bytes)
      }
    } catch {
      throw RPCError(code: .invalidArgument, message: "Can't deserialize to message of type \(request).", cause: error)
    }
  }
}
