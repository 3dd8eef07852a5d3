import Crypto
import Foundation
import GRPCCore

/// What a token may do (docs/yield-api.md): `read` for the MES and dashboards, `write` for cells and
/// importers. Write does not imply read; a token may carry both.
enum TokenScope: String, Sendable, Hashable, CaseIterable {
  case read
  case write
}

/// The configured bearer tokens, kept only as SHA-256 hashes and compared in constant time.
///
/// File format (`--tokens-file`), one token per line: `<name> <scopes> <sha256-hex>`, scopes
/// comma-separated from `read`, `write`; blank lines and `#` comments are ignored. Create a hash
/// with `printf %s "$TOKEN" | sha256sum`.
struct TokenAuthority: Sendable {
  struct Entry: Sendable {
    var name: String
    var scopes: Set<TokenScope>
    var hash: [UInt8]
  }

  struct ConfigurationError: Error, CustomStringConvertible {
    var description: String
  }

  let entries: [Entry]

  /// No tokens: authentication is off (the development default, logged as a warning at start).
  var isEnabled: Bool { !entries.isEmpty }

  init(entries: [Entry]) { self.entries = entries }

  /// Parses a tokens file's text; `source` names it in errors.
  init(text: String, source: String) throws(ConfigurationError) {
    var entries: [Entry] = []
    var names = Set<String>()
    for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      if fields.isEmpty { continue }
      let at = "\(source):\(number + 1)"
      guard fields.count == 3 else {
        throw ConfigurationError(description: "\(at): expected '<name> <scopes> <sha256-hex>', got \(fields.count) fields")
      }
      var scopes = Set<TokenScope>()
      for scope in fields[1].split(separator: ",") {
        guard let parsed = TokenScope(rawValue: String(scope)) else {
          throw ConfigurationError(description: "\(at): unknown scope '\(scope)'; use read, write or read,write")
        }
        scopes.insert(parsed)
      }
      guard let hash = Self.hexBytes(fields[2]), hash.count == 32 else {
        throw ConfigurationError(
          description: "\(at): the third field must be the token's SHA-256 as 64 hex digits (printf %s \"$TOKEN\" | sha256sum)")
      }
      let name = String(fields[0])
      guard names.insert(name).inserted else {
        throw ConfigurationError(description: "\(at): token name '\(name)' appears twice")
      }
      entries.append(Entry(name: name, scopes: scopes, hash: hash))
    }
    self.entries = entries
  }

  /// The outcome of checking a request's credentials.
  enum Decision: Equatable, Sendable {
    case allowed(tokenName: String?)
    case unauthenticated
    case forbidden
  }

  /// Checks an `Authorization` header value (or gRPC `authorization` metadata) for `scope`.
  func authorize(authorization: String?, scope: TokenScope) -> Decision {
    guard isEnabled else { return .allowed(tokenName: nil) }
    guard let authorization, let token = Self.bearerToken(authorization) else { return .unauthenticated }
    let presented = Array(SHA256.hash(data: Array(token.utf8)))
    // Every entry is compared in full, whatever matches: the time taken says nothing about the hashes.
    var match: Entry?
    for entry in entries {
      var difference: UInt8 = 0
      for index in 0..<32 { difference |= entry.hash[index] ^ presented[index] }
      if difference == 0 && match == nil { match = entry }
    }
    guard let match else { return .unauthenticated }
    return match.scopes.contains(scope) ? .allowed(tokenName: match.name) : .forbidden
  }

  static func bearerToken(_ header: String) -> String? {
    let parts = header.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    let token = parts[1].trimmingCharacters(in: .whitespaces)
    return token.isEmpty ? nil : token
  }

  static func hexBytes(_ text: Substring) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
      let next = text.index(index, offsetBy: 2)
      guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
      bytes.append(byte)
      index = next
    }
    return bytes
  }
}

/// Checks the bearer token of every yield RPC: write scope for Report*, read for the rest.
struct TokenInterceptor: ServerInterceptor {
  let authority: TokenAuthority

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    // Only the yield API is guarded; grpc.health.v1 stays open for probes.
    guard context.descriptor.service.fullyQualifiedService == "workcell.yield.v1.Yield" else {
      return try await next(request, context)
    }
    let scope: TokenScope = context.descriptor.method.hasPrefix("Report") ? .write : .read
    let header = request.metadata["authorization"].first { _ in true }.flatMap { value -> String? in
      if case .string(let text) = value { return text }
      return nil
    }
    switch authority.authorize(authorization: header, scope: scope) {
    case .allowed: return try await next(request, context)
    case .unauthenticated: throw YieldAPIError.unauthenticated.rpcError
    case .forbidden: throw YieldAPIError.forbidden(scope.rawValue).rpcError
    }
  }
}
