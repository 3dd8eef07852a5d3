import Foundation

extension UUID {
  /// The 16 bytes as two big-endian integers: tuples of these compare as PostgreSQL orders
  /// `uuid` (memcmp), without a formatted string or an array per id.
  var byteOrderKey: (UInt64, UInt64) {
    withUnsafeBytes(of: uuid) { bytes in
      (
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
      )
    }
  }

  /// The UUID whose bytes are `key`'s two integers, big-endian.
  init(byteOrderKey key: (UInt64, UInt64)) {
    var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &bytes) { raw in
      raw.storeBytes(of: key.0.bigEndian, toByteOffset: 0, as: UInt64.self)
      raw.storeBytes(of: key.1.bigEndian, toByteOffset: 8, as: UInt64.self)
    }
    self.init(uuid: bytes)
  }
}
