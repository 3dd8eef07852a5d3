import Foundation

/// UUID text without Foundation's formatted printing: parsing and canonical lowercase form in one
/// pass over the 36 bytes (ingest does this for every record; `UUID.uuidString` prints each byte
/// with a formatted write, which dominated bulk ingest).
public enum UUIDText {
  /// The canonical lowercase form of a UUID in 8-4-4-4-12 hex form (any case), and its value;
  /// nil when `text` is not one.
  public static func parse(_ text: String) -> (canonical: String, uuid: UUID)? {
    let utf8 = text.utf8
    guard utf8.count == 36 else { return nil }
    var bytes = [UInt8](repeating: 0, count: 16)
    var canonical = [UInt8](repeating: 0, count: 36)
    var byteIndex = 0
    var high: UInt8? = nil
    var position = 0
    let parsed: Bool = utf8.withContiguousStorageIfAvailable { buffer -> Bool in
      for character in buffer {
        defer { position += 1 }
        if position == 8 || position == 13 || position == 18 || position == 23 {
          guard character == UInt8(ascii: "-") else { return false }
          canonical[position] = character
          continue
        }
        let value: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
        default: return false
        }
        canonical[position] = value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
        if let first = high {
          bytes[byteIndex] = first << 4 | value
          byteIndex += 1
          high = nil
        } else {
          high = value
        }
      }
      return true
    } ?? false
    guard parsed else {
      // Not hex, or not contiguous UTF-8 (a bridged string): Foundation decides, slowly.
      guard let uuid = UUID(uuidString: text) else { return nil }
      return (uuid.uuidString.lowercased(), uuid)
    }
    let uuid = UUID(
      uuid: (
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
        bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
      ))
    return (String(decoding: canonical, as: UTF8.self), uuid)
  }
}
