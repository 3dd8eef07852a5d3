/// Cycle ids as the cell mints them: UUID version 7 (RFC 9562 §5.7) — 48 bits of Unix time in
/// milliseconds, then random bits.
///
/// Why v7 and not v4: yield claims every id in a b-tree (idempotency across replicas), and ids
/// that grow with time land at the tree's right edge instead of on random pages: at plant ingest
/// rates that is the difference between appending and rewriting the index (docs/yield.md).
public enum CycleID {
  /// The id for a cycle that started at `unixMilliseconds`, with 74 bits from `random`.
  ///
  /// Two ids of one millisecond differ in their random bits; ordering within a millisecond is
  /// not promised (RFC 9562 method 1 is optional, and the cell has one cycle per robot at a time).
  public static func make(unixMilliseconds: UInt64, random: (UInt64, UInt64)) -> String {
    let time = unixMilliseconds & 0xFFFF_FFFF_FFFF
    let versionAndRandomA = 0x7000 | UInt16(truncatingIfNeeded: random.0 >> 52)  // version 7 + 12 bits
    let variantAndRandomB = 0x8000 | UInt16(truncatingIfNeeded: random.1 >> 50) & 0x3FFF  // variant 10 + 14 bits
    let node = random.0 & 0xFFFF_FFFF_FFFF  // 48 bits
    return hex(time >> 16, digits: 8) + "-" + hex(time & 0xFFFF, digits: 4) + "-"
      + hex(UInt64(versionAndRandomA), digits: 4) + "-" + hex(UInt64(variantAndRandomB), digits: 4) + "-"
      + hex(node, digits: 12)
  }

  /// The Unix time in milliseconds a v7 id carries; nil for ids of any other version or shape.
  public static func unixMilliseconds(of id: String) -> UInt64? {
    let bytes = Array(id.utf8)
    guard bytes.count == 36, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"),
      bytes[14] == UInt8(ascii: "7")
    else { return nil }
    var value: UInt64 = 0
    for byte in bytes[0..<8] + bytes[9..<13] {
      guard let digit = hexValue(byte) else { return nil }
      value = value << 4 | UInt64(digit)
    }
    return value
  }

  private static let digits = Array("0123456789abcdef".utf8)

  private static func hex(_ value: UInt64, digits count: Int) -> String {
    var bytes = [UInt8](repeating: 0, count: count)
    var rest = value
    for index in stride(from: count - 1, through: 0, by: -1) {
      bytes[index] = digits[Int(rest & 0xF)]
      rest >>= 4
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
