/// A GRAY8 image, row-major, one byte per pixel (what the cameras stream).
public struct GrayImage: Sendable, Hashable {
  /// Width, pixels.
  public let widthPx: Int
  /// Height, pixels.
  public let heightPx: Int
  /// `widthPx × heightPx` grey levels, row by row.
  public let pixels: [UInt8]

  /// An image; throws `bufferSizeMismatch` unless `pixels.count == widthPx × heightPx`.
  public init(widthPx: Int, heightPx: Int, pixels: [UInt8]) throws(PerceptionError) {
    guard widthPx > 0, heightPx > 0 else {
      throw PerceptionError(code: .invalidParameter, message: "image size \(widthPx)×\(heightPx) px must be positive")
    }
    guard pixels.count == widthPx * heightPx else {
      throw PerceptionError(
        code: .bufferSizeMismatch,
        message: "image buffer holds \(pixels.count) bytes, \(widthPx)×\(heightPx) GRAY8 needs \(widthPx * heightPx)")
    }
    self.widthPx = widthPx
    self.heightPx = heightPx
    self.pixels = pixels
  }
}
