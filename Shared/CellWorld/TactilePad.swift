/// The fingertip pads' pressure model, pure: what a held nut, a stray contact and the skin's
/// noise put on one 11 × 9 pad. The world's tactile frames (`CellWorld+Sensors`) and the tactile
/// grasp dataset (`workcell-train --tactile-dataset`) draw their frames with it, so a network
/// trained on the dataset sees the frames the cell sees.
public enum TactilePad {
  /// Standard deviation of the skin's noise on a loaded taxel, kPa.
  public static let noiseSigmaKPa = 0.3

  /// Writes one pad's pressure from a held nut's line contact into `pad[start ..< start + taxels]`
  /// (row-major, kPa; cells it does not touch are left as they are): Hertz across a strip as
  /// long as the nut is high, `p = p₀ √(1 − (t/a)²)`, half-width `a = √(4 F R / (π L E*))`,
  /// soft at the strip's ends, scaled so Σ p · pitch² = `forceN`. `acrossM` is the nut's centre
  /// across the pad from its centre column (this pad's column axis), `alongM` along the rows
  /// from the centre row (towards the palm).
  public static func drawLineContact(
    acrossM: Double, alongM: Double, forceN: Double, nut: NutModel, into pad: inout [Float], at start: Int
  ) {
    let pitchM = TactileArray.pitchMm / 1000
    let halfWidth = (4 * forceN * nut.outerRadiusM / (Double.pi * nut.heightM * TactileArray.padModulusPa))
      .squareRoot()
    var sum = 0.0
    for row in 0..<TactileArray.rows {
      let along = Double(row - TactileArray.rows / 2) * pitchM
      // Fraction of the taxel the nut's height covers (soft edges).
      let overlap = min(max((nut.heightM / 2 - abs(along - alongM)) / pitchM + 0.5, 0), 1)
      guard overlap > 0 else { continue }
      for col in 0..<TactileArray.cols {
        let t = (Double(col - TactileArray.cols / 2) * pitchM - acrossM) / halfWidth
        guard abs(t) < 1 else { continue }
        let p = overlap * (1 - t * t).squareRoot()
        pad[start + row * TactileArray.cols + col] = Float(p)
        sum += p
      }
    }
    if sum > 0 {
      // kPa such that Σ p · pitch² = F.
      let scale = forceN / (sum * pitchM * pitchM) / 1000
      for i in 0..<TactileArray.taxels { pad[start + i] = Float(Double(pad[start + i]) * scale) }
    }
  }

  /// Adds a stray contact (a Gaussian blob of one taxel's spread) peaking at `peakKPa` at
  /// (`row`, `col`), fractional taxel coordinates.
  public static func addBlob(peakKPa: Double, row: Double, col: Double, into pad: inout [Float], at start: Int) {
    for r in 0..<TactileArray.rows {
      for c in 0..<TactileArray.cols {
        let d2 = (Double(r) - row) * (Double(r) - row) + (Double(c) - col) * (Double(c) - col)
        pad[start + r * TactileArray.cols + c] += Float(peakKPa * _exp(-d2 / 2))
      }
    }
  }

  /// Adds the skin's noise to every loaded taxel (σ = ``noiseSigmaKPa``, never below 0 kPa);
  /// `normal` gives standard normal values.
  public static func addNoise(into pad: inout [Float], at start: Int, normal: () -> Double) {
    for i in start..<(start + TactileArray.taxels) where pad[i] > 0 {
      pad[i] = max(0, pad[i] + Float(noiseSigmaKPa * normal()))
    }
  }
}
