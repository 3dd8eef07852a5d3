import Foundation

/// The position after the last row of a page: the (`ended_at`, `cycle_id`) key of that row.
///
/// Paging is by key, not offset, so rows inserted between two page requests never shift the
/// remaining pages. ``token`` is the opaque, URL-safe `page_token` the API hands out.
public struct CyclePageCursor: Sendable, Hashable {
  /// `ended_at` of the last row returned, in milliseconds since 1970-01-01T00:00:00Z.
  public var endedAtMilliseconds: Int64
  /// `cycle_id` of the last row returned, lowercase.
  public var cycleID: String

  /// Creates a cursor positioned after the given key.
  public init(endedAtMilliseconds: Int64, cycleID: String) {
    self.endedAtMilliseconds = endedAtMilliseconds
    self.cycleID = cycleID.lowercased()
  }

  /// The cursor as a URL-safe token (base64url without padding of `v1:<ms>:<uuid>`).
  public var token: String {
    let plain = "v1:\(endedAtMilliseconds):\(cycleID)"
    return Data(plain.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  /// Decodes a token made by ``token``.
  ///
  /// - Throws: ``YieldStoreError`` with code `malformedPageToken` for anything else.
  public init(token: String) throws(YieldStoreError) {
    let malformed = YieldStoreError(
      code: .malformedPageToken,
      message: "page_token is not one this service issued; pass next_page_token unchanged or omit it")
    guard !token.isEmpty, token.count <= 128,
      token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
    else { throw malformed }
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else {
      throw malformed
    }
    let parts = plain.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "v1", let milliseconds = Int64(parts[1]),
      let uuid = UUID(uuidString: String(parts[2]))
    else { throw malformed }
    self.init(endedAtMilliseconds: milliseconds, cycleID: uuid.uuidString)
  }
}
