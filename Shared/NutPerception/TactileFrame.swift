/// One fingertip's pressure image: `rows × cols` taxels, row-major, kPa. Row 0 is nearest the
/// fingertip; rows run along the finger, columns across the pad.
public struct TactileFrame: Sendable, Hashable {
  /// Taxel rows (along the finger).
  public let rows: Int
  /// Taxel columns (across the pad).
  public let cols: Int
  /// Distance between taxel centres, millimetres.
  public let pitchMm: Double
  /// Pressure per taxel, kPa, row by row.
  public let pressuresKPa: [Double]

  /// A frame; throws `bufferSizeMismatch` unless `pressuresKPa.count == rows × cols`.
  public init(rows: Int, cols: Int, pitchMm: Double, pressuresKPa: [Double]) throws(PerceptionError) {
    guard rows > 0, cols > 0, pitchMm > 0, pitchMm.isFinite else {
      throw PerceptionError(
        code: .invalidParameter, message: "tactile array \(rows)×\(cols) at \(pitchMm) mm pitch must be positive")
    }
    guard pressuresKPa.count == rows * cols else {
      throw PerceptionError(
        code: .bufferSizeMismatch,
        message: "tactile frame holds \(pressuresKPa.count) taxels, \(rows)×\(cols) needs \(rows * cols)")
    }
    self.rows = rows
    self.cols = cols
    self.pitchMm = pitchMm
    self.pressuresKPa = pressuresKPa
  }

  /// Pressure of one taxel, kPa.
  @inlinable public subscript(row: Int, col: Int) -> Double { pressuresKPa[row * cols + col] }
}
