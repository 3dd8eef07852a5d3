#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Angular correlation of the teeth profile: samples darkness on rings between the tooth tips
/// and roots and correlates it with the spline's fundamental (N cycles per turn), i.e. a matched
/// filter for N teeth. Saturated, occluder-grey and off-image samples are skipped.
enum SplinePhaseCorrelator {
  /// Tooth direction as an image angle φ = atan2(Δv, Δu), radians, and the fundamental's
  /// amplitude (darkness units, 0–1) over the valid samples; nil if too few samples are valid.
  static func toothAngle(
    _ pixels: UnsafeBufferPointer<UInt8>, widthPx width: Int, heightPx height: Int, centreU: Double, centreV: Double,
    radiiPx: [Double], teeth: Int, samples: Int, config: NutVisionConfig
  ) -> (angleRad: Double, amplitude: Double, validFraction: Double)? {
    var sumRe = 0.0
    var sumIm = 0.0
    var sumD = 0.0
    var sumC = 0.0
    var sumS = 0.0
    var valid = 0.0
    let n = Double(teeth)
    for k in 0..<samples {
      let phi = 2 * Double.pi * Double(k) / Double(samples)
      let c = cos(phi)
      let s = sin(phi)
      let cn = cos(n * phi)
      let sn = sin(n * phi)
      for r in radiiPx {
        let x = centreU + r * c
        let y = centreV + r * s
        let x0 = Int(x.rounded(.down))
        let y0 = Int(y.rounded(.down))
        guard x0 >= 0, y0 >= 0, x0 + 1 < width, y0 + 1 < height else { continue }
        let i = y0 * width + x0
        let p00 = pixels[i]
        let p01 = pixels[i + 1]
        let p10 = pixels[i + width]
        let p11 = pixels[i + width + 1]
        var bad = false
        for p in [p00, p01, p10, p11] where p >= config.saturatedGray || config.occluderGray.contains(p) { bad = true }
        guard !bad else { continue }
        let fx = x - Double(x0)
        let fy = y - Double(y0)
        let gray =
          (Double(p00) * (1 - fx) + Double(p01) * fx) * (1 - fy) + (Double(p10) * (1 - fx) + Double(p11) * fx) * fy
        let d = 1 - gray / 255
        sumRe += d * cn
        sumIm += d * sn
        sumD += d
        sumC += cn
        sumS += sn
        valid += 1
      }
    }
    let total = Double(samples * radiiPx.count)
    guard valid >= total * 0.2 else { return nil }
    // Remove the mean so a ring with gaps (skipped samples) does not leak its DC into the fundamental.
    let mean = sumD / valid
    let re = sumRe - mean * sumC
    let im = sumIm - mean * sumS
    let amplitude = 2 * (re * re + im * im).squareRoot() / valid
    return (atan2(im, re) / n, amplitude, valid / total)
  }
}
