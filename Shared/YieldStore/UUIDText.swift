import Foundation

/// UUID text without Foundation's formatted printing: parsing and canonical lowercase form in one
/// pass over the 36 bytes (ingest does this for every record; `UUID.uuidString` prints each byte
/// with a formatted write, which dominated bulk ingest).
public enum UUIDText {
  /// The canonical lowercase form of a UUID in 8-4-4-4-12 hex form (any case), and its value;
  /// nil when `text` is not one. Text already canonical is returned as is (no new string).
  public static func parse(_ text: String) -> (canonical: String, uuid: UUID)? {
    let utf8 = text.utf8
    guard utf8.count == 36 else { return nil }
    // The 32 hex digits into two big-endian halves, by table: no arrays, nothing to allocate.
    let parsed: (UInt64, UInt64, Bool)?? = utf8.withContiguousStorageIfAvailable { buffer in
      let dash = UInt8(ascii: "-")
      guard buffer[8] == dash, buffer[13] == dash, buffer[18] == dash, buffer[23] == dash else { return nil }
      var flags: UInt8 = 0
      func digits(_ range: Range<Int>, into value: inout UInt64) {
        for position in range {
          let entry = Self.hexDigits[Int(buffer[position])]
          flags |= entry
          value = value << 4 | UInt64(entry & 0x0f)
        }
      }
      var high: UInt64 = 0
      var low: UInt64 = 0
      digits(0..<8, into: &high)
      digits(9..<13, into: &high)
      digits(14..<18, into: &high)
      digits(19..<23, into: &low)
      digits(24..<36, into: &low)
      guard flags & Self.notHex == 0 else { return nil }
      return (high, low, flags & Self.upperHex != 0)
    }
    guard let contiguous = parsed else {
      // Not contiguous UTF-8 (a bridged string): Foundation decides, slowly.
      guard let uuid = UUID(uuidString: text) else { return nil }
      return (uuid.uuidString.lowercased(), uuid)
    }
    guard let (high, low, upperCase) = contiguous else { return nil }
    let uuid = UUID(byteOrderKey: (high, low))
    return (upperCase ? text.lowercased() : text, uuid)
  }

  private static let notHex: UInt8 = 0x80
  private static let upperHex: UInt8 = 0x40
  /// Per byte: its hex value in the low nibble, `upperHex` for A–F, `notHex` for anything else.
  private static let hexDigits: [UInt8] = (0..<256).map { byte in
    switch byte {
    case 0x30...0x39: UInt8(byte - 0x30)
    case 0x61...0x66: UInt8(byte - 0x61 + 10)
    case 0x41...0x46: UInt8(byte - 0x41 + 10) | upperHex
    default: notHex
    }
  }
}
