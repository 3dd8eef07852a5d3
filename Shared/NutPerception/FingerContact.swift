/// One fingertip's contact, measured from its pressure image.
public struct FingerContact: Sendable, Hashable {
  /// Normal force, Σ pressure × taxel area, newtons.
  public var normalForceN: Double
  /// Pressure-weighted centroid from the pad centre along the columns, mm (0 without contact).
  public var centroidColMm: Double
  /// Pressure-weighted centroid from the pad centre along the rows, mm (0 without contact).
  public var centroidRowMm: Double
  /// Centre of the line contact across the pad from a Hertz profile fit, mm: unlike the
  /// centroid, not pulled towards the pad centre when the pad's edge cuts the strip.
  public var lineCentreColMm: Double
  /// Half-width of the fitted line contact, mm.
  public var lineHalfWidthMm: Double
  /// Highest taxel pressure, kPa.
  public var peakKPa: Double
  /// Loaded taxels (over the contact threshold).
  public var loadedTaxels: Int
  /// Column centroid of the far (palm-side) half of the contact minus that of the near half, mm:
  /// a nut tilted in the pads shows as a slanted line contact.
  public var tiltMm: Double
  /// Largest pressure the nut's line contact does not explain (rank-1 residual), kPa.
  public var unexplainedKPa: Double
  /// Where that residual peaks (row, column).
  public var unexplainedRow: Int, unexplainedCol: Int

  /// A contact; see the properties.
  public init(
    normalForceN: Double, centroidColMm: Double, centroidRowMm: Double, lineCentreColMm: Double,
    lineHalfWidthMm: Double, peakKPa: Double, loadedTaxels: Int, tiltMm: Double, unexplainedKPa: Double,
    unexplainedRow: Int, unexplainedCol: Int
  ) {
    self.normalForceN = normalForceN
    self.centroidColMm = centroidColMm
    self.centroidRowMm = centroidRowMm
    self.lineCentreColMm = lineCentreColMm
    self.lineHalfWidthMm = lineHalfWidthMm
    self.peakKPa = peakKPa
    self.loadedTaxels = loadedTaxels
    self.tiltMm = tiltMm
    self.unexplainedKPa = unexplainedKPa
    self.unexplainedRow = unexplainedRow
    self.unexplainedCol = unexplainedCol
  }

  /// Measures one frame. A nut held between flat pads presses a line contact whose pressure is
  /// separable (profile along the rows × profile across the columns), so a best rank-1 fit
  /// explains it and anything else (a fingertip touching a fixture, debris) is left over.
  public init(_ frame: TactileFrame, contactThresholdKPa: Double) {
    let rows = frame.rows
    let cols = frame.cols
    let p = frame.pressuresKPa
    var sum = 0.0, sr = 0.0, sc = 0.0, peak = 0.0
    var loaded = 0
    for r in 0..<rows {
      for c in 0..<cols {
        let x = p[r * cols + c]
        peak = max(peak, x)
        guard x > contactThresholdKPa else { continue }
        loaded += 1
        sum += x
        sr += x * Double(r)
        sc += x * Double(c)
      }
    }
    normalForceN = p.reduce(0) { $0 + max($1, 0) } * frame.pitchMm * frame.pitchMm / 1000
    peakKPa = peak
    loadedTaxels = loaded
    guard sum > 0 else {
      centroidColMm = 0
      centroidRowMm = 0
      lineCentreColMm = 0
      lineHalfWidthMm = 0
      tiltMm = 0
      unexplainedKPa = 0
      unexplainedRow = 0
      unexplainedCol = 0
      return
    }
    let rowC = sr / sum
    centroidRowMm = (rowC - Double(rows - 1) / 2) * frame.pitchMm
    centroidColMm = (sc / sum - Double(cols - 1) / 2) * frame.pitchMm
    var profile = [Double](repeating: 0, count: cols)
    for r in 0..<rows {
      for c in 0..<cols where p[r * cols + c] > contactThresholdKPa { profile[c] += p[r * cols + c] }
    }
    let line = LineContactProfileFit.fit(profile: profile, pitchMm: frame.pitchMm)
    lineCentreColMm = line?.centreMm ?? centroidColMm
    lineHalfWidthMm = line?.halfWidthMm ?? 0
    // Tilt: column centroids of the rows before and after the row centroid.
    var nearSum = 0.0, nearC = 0.0, farSum = 0.0, farC = 0.0
    for r in 0..<rows {
      for c in 0..<cols {
        let x = p[r * cols + c]
        guard x > contactThresholdKPa else { continue }
        if Double(r) < rowC {
          nearSum += x
          nearC += x * Double(c)
        } else if Double(r) > rowC {
          farSum += x
          farC += x * Double(c)
        }
      }
    }
    tiltMm = nearSum > 0 && farSum > 0 ? (farC / farSum - nearC / nearSum) * frame.pitchMm : 0
    // Rank-1 fit p ≈ a bᵀ by a few power iterations.
    var a = [Double](repeating: 0, count: rows)
    var b = [Double](repeating: 1, count: cols)
    for _ in 0..<8 {
      let bb = b.reduce(0) { $0 + $1 * $1 }
      guard bb > 0 else { break }
      for r in 0..<rows {
        var s = 0.0
        for c in 0..<cols { s += p[r * cols + c] * b[c] }
        a[r] = s / bb
      }
      let aa = a.reduce(0) { $0 + $1 * $1 }
      guard aa > 0 else { break }
      for c in 0..<cols {
        var s = 0.0
        for r in 0..<rows { s += p[r * cols + c] * a[r] }
        b[c] = s / aa
      }
    }
    var worst = 0.0, worstR = 0, worstC = 0
    for r in 0..<rows {
      for c in 0..<cols {
        let residual = abs(p[r * cols + c] - a[r] * b[c])
        if residual > worst {
          worst = residual
          worstR = r
          worstC = c
        }
      }
    }
    unexplainedKPa = worst
    unexplainedRow = worstR
    unexplainedCol = worstC
  }
}
