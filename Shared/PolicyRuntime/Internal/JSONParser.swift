/// A strict, bounded JSON parser for safetensors headers: never traps on bad input, limits
/// nesting, and reports the byte offset of the first problem.
struct JSONParser {
  struct Failure: Error {
    var message: String
  }

  private let bytes: [UInt8]
  private var index = 0
  private static let maxDepth = 32

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// Parses one complete JSON document (surrounding whitespace allowed).
  static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
    var parser = JSONParser(bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.failure("trailing characters") }
    return value
  }

  private func failure(_ what: String) -> Failure { Failure(message: "\(what) at byte \(index) of the header") }

  private mutating func skipWhitespace() {
    // Safetensors pads headers with spaces; JSON whitespace is space, tab, CR, LF.
    while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
      index += 1
    }
  }

  private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
    guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth)") }
    guard index < bytes.count else { throw failure("unexpected end") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw failure("unexpected character")
    }
  }

  private mutating func expectLiteral(_ literal: String) throws(Failure) {
    for byte in literal.utf8 {
      guard index < bytes.count, bytes[index] == byte else { throw failure("invalid literal") }
      index += 1
    }
  }

  private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
    index += 1
    var members: [(String, JSONValue)] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
      let key = try parseString()
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
      index += 1
      skipWhitespace()
      members.append((key, try parseValue(depth: depth + 1)))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unexpected end in object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      } else {
        throw failure("expected ',' or '}'")
      }
    }
  }

  private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unexpected end in array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(items)
      } else {
        throw failure("expected ',' or ']'")
      }
    }
  }

  private mutating func parseNumber() throws(Failure) -> JSONValue {
    let start = index
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    var digits = 0
    while index < bytes.count {
      let b = bytes[index]
      if (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
      {
        if b >= 0x30 && b <= 0x39 { digits += 1 }
        index += 1
      } else {
        break
      }
    }
    guard digits > 0 else { throw failure("invalid number") }
    return .number(String(decoding: bytes[start..<index], as: UTF8.self))
  }

  private mutating func parseString() throws(Failure) -> String {
    index += 1
    var scalars = String.UnicodeScalarView()
    var raw: [UInt8] = []
    func flushRaw(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) throws(Failure) {
      guard !raw.isEmpty else { return }
      guard let s = String(validating: raw, as: UTF8.self) else { throw Failure(message: "string is not valid UTF-8") }
      scalars.append(contentsOf: s.unicodeScalars)
      raw.removeAll(keepingCapacity: true)
    }
    while true {
      guard index < bytes.count else { throw failure("unterminated string") }
      let b = bytes[index]
      index += 1
      if b == UInt8(ascii: "\"") {
        try flushRaw(&raw, into: &scalars)
        return String(scalars)
      } else if b == UInt8(ascii: "\\") {
        try flushRaw(&raw, into: &scalars)
        guard index < bytes.count else { throw failure("unterminated escape") }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try parseHex4()
          if (0xD800..<0xDC00).contains(code) {
            // A surrogate pair spells a code point above U+FFFF.
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw failure("lone surrogate") }
            index += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("bad surrogate pair") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
          scalars.append(scalar)
        default: throw failure("invalid escape")
        }
      } else if b < 0x20 {
        throw failure("control character in string")
      } else {
        raw.append(b)
      }
    }
  }

  private mutating func parseHex4() throws(Failure) -> UInt32 {
    guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let b = bytes[index]
      index += 1
      let digit: UInt32
      switch b {
      case 0x30...0x39: digit = UInt32(b - 0x30)
      case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
      default: throw failure("invalid hex digit")
      }
      value = value << 4 | digit
    }
    return value
  }
}
