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
    // The 32 hex digits into two big-endian halves; no arrays, so nothing to allocate.
    let parsed: (UInt64, UInt64, Bool)?? = utf8.withContiguousStorageIfAvailable { buffer in
      var high: UInt64 = 0
      var low: UInt64 = 0
      var upperCase = false
      var digits = 0
      for (position, character) in buffer.enumerated() {
        if position == 8 || position == 13 || position == 18 || position == 23 {
          guard character == UInt8(ascii: "-") else { return nil }
          continue
        }
        let value: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"):
          value = character &- UInt8(ascii: "A") &+ 10
          upperCase = true
        default: return nil
        }
        if digits < 16 {
          high = high << 4 | UInt64(value)
        } else {
          low = low << 4 | UInt64(value)
        }
        digits += 1
      }
      return (high, low, upperCase)
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
}
