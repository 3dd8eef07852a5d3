#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Finds the nut in one grey image and measures it: segmentation (grey threshold), connected
/// components and moments, an outer-outline circle fit (robust to occlusion and glare, which
/// only remove outline points), pose from the intrinsics and the nut's size or a known plane,
/// spline phase by angular correlation of the teeth, and how much glare, occlusion and the image
/// border spoil it. Pure; one label buffer per frame.
public struct NutVision: Sendable, Hashable {
  /// The nut looked for.
  public var geometry: NutGeometry
  /// Thresholds and penalties.
  public var config: NutVisionConfig

  /// A detector for `geometry`.
  public init(geometry: NutGeometry = .defaults, config: NutVisionConfig = .defaults) {
    self.geometry = geometry
    self.config = config
  }

  /// Dark (nut) area over the outer disc's area, from the drawing: solid ring outside the roots,
  /// half the spline zone covered by teeth.
  var fillFraction: Double {
    let r = geometry.outerRadiusMm
    let major = geometry.splineMajorRadiusMm
    let minor = geometry.splineMinorRadiusMm
    return (r * r - major * major + (major * major - minor * minor) / 2) / (r * r)
  }

  /// Measures the nut in `image` seen by `camera`. `referenceYawDeg` is the yaw (in the camera
  /// model's output frame) that counts as phase 0, normally the pin's teeth. Throws only for
  /// invalid camera or geometry parameters.
  public func estimate(
    _ image: GrayImage, camera: CameraModel, depth: DepthPrior = .fromNutSize, referenceYawDeg: Double = 0
  ) throws(PerceptionError) -> VisionEstimate {
    try camera.validate()
    try geometry.validate()
    if case .knownTopFaceDepthM(let d) = depth, !(d > 0 && d.isFinite) {
      throw PerceptionError(code: .invalidParameter, message: "known top-face depth \(d) m must be positive")
    }
    return image.pixels.withUnsafeBufferPointer { pixels in
      measure(
        pixels, widthPx: image.widthPx, heightPx: image.heightPx, camera: camera, depth: depth,
        referenceYawDeg: referenceYawDeg)
    }
  }

  private func measure(
    _ pixels: UnsafeBufferPointer<UInt8>, widthPx width: Int, heightPx height: Int, camera: CameraModel,
    depth: DepthPrior, referenceYawDeg: Double
  ) -> VisionEstimate {
    let components = DarkComponents(pixels, widthPx: width, heightPx: height, maxGray: config.nutMaxGray)
    guard let main = components.largest, components.areas[main] >= config.minNutAreaPx else {
      return notFound(pixels)
    }
    // An occluder can cut the ring in pieces: take every sizeable piece near the largest one.
    let boxW = components.maxU[main] - components.minU[main] + 1
    let boxH = components.maxV[main] - components.minV[main] + 1
    let reach = max(boxW, boxH)
    var include = [Bool](repeating: false, count: components.areas.count + 1)
    var area = 0
    var su = 0.0
    var sv = 0.0
    var u0 = Int.max, u1 = Int.min, v0 = Int.max, v1 = Int.min
    for k in components.areas.indices {
      let near =
        components.maxU[k] >= components.minU[main] - reach && components.minU[k] <= components.maxU[main] + reach
        && components.maxV[k] >= components.minV[main] - reach && components.minV[k] <= components.maxV[main] + reach
      guard k == main || (near && components.areas[k] >= 20) else { continue }
      include[k + 1] = true
      area += components.areas[k]
      su += components.sumU[k]
      sv += components.sumV[k]
      u0 = min(u0, components.minU[k])
      u1 = max(u1, components.maxU[k])
      v0 = min(v0, components.minV[k])
      v1 = max(v1, components.maxV[k])
    }
    let centroidU = su / Double(area)
    let centroidV = sv / Double(area)

    // Outline points: midpoints between a nut pixel and a lit-background 4-neighbour. Edges
    // against glare, an occluder or the image border are not the nut's outline.
    var edgeU: [Double] = []
    var edgeV: [Double] = []
    edgeU.reserveCapacity(4 * (boxW + boxH) * 2)
    edgeV.reserveCapacity(4 * (boxW + boxH) * 2)
    let occluder = config.occluderGray
    let saturated = config.saturatedGray
    @inline(__always) func isBackground(_ p: UInt8) -> Bool {
      p > config.nutMaxGray && p < saturated && !occluder.contains(p)
    }
    components.labels.withUnsafeBufferPointer { labels in
      for v in v0...v1 {
        for u in u0...u1 {
          let i = v * width + u
          guard include[Int(labels[i])], labels[i] != 0 else { continue }
          let fu = Double(u)
          let fv = Double(v)
          if u > 0, isBackground(pixels[i - 1]) {
            edgeU.append(fu - 0.5)
            edgeV.append(fv)
          }
          if u + 1 < width, isBackground(pixels[i + 1]) {
            edgeU.append(fu + 0.5)
            edgeV.append(fv)
          }
          if v > 0, isBackground(pixels[i - width]) {
            edgeU.append(fu)
            edgeV.append(fv - 0.5)
          }
          if v + 1 < height, isBackground(pixels[i + width]) {
            edgeU.append(fu)
            edgeV.append(fv + 0.5)
          }
        }
      }
    }
    // Rough radius: the far tail of edge distances from the centroid.
    var distances = zip(edgeU, edgeV).map {
      ((($0 - centroidU) * ($0 - centroidU)) + (($1 - centroidV) * ($1 - centroidV))).squareRoot()
    }
    distances.sort()
    guard distances.count >= config.minOutlinePoints else { return notFound(pixels) }
    let roughR = distances[min(distances.count - 1, Int(Double(distances.count) * 0.95))]
    let innerRatio = geometry.splineMajorRadiusMm / geometry.outerRadiusMm
    var fit = CircleFit.fit(
      u: edgeU, v: edgeV, aroundU: centroidU, v0: centroidV, band: (roughR * (innerRatio + 1) / 2)...(roughR * 1.5),
      minPoints: config.minOutlinePoints)
    for _ in 0..<3 {
      guard let f = fit else { break }
      let band = (f.radius * (innerRatio + 2) / 3)...(f.radius * 1.25)
      guard
        let next = CircleFit.fit(
          u: edgeU, v: edgeV, aroundU: f.centreU, v0: f.centreV, band: band, minPoints: config.minOutlinePoints)
      else { break }
      fit = next
    }
    guard let circle = fit, circle.radius > 2 else { return notFound(pixels) }

    // ROI statistics over the fitted outer disc.
    let r = circle.radius
    let r2 = r * r
    var inImage = 0
    var glare = 0
    var dark = 0
    let ru0 = Int((circle.centreU - r).rounded(.down))
    let ru1 = Int((circle.centreU + r).rounded(.up))
    let rv0 = Int((circle.centreV - r).rounded(.down))
    let rv1 = Int((circle.centreV + r).rounded(.up))
    var discPixels = 0
    for v in rv0...rv1 {
      let dy = Double(v) - circle.centreV
      for u in ru0...ru1 {
        let dx = Double(u) - circle.centreU
        guard dx * dx + dy * dy <= r2 else { continue }
        discPixels += 1
        guard u >= 0, u < width, v >= 0, v < height else { continue }
        inImage += 1
        let p = pixels[v * width + u]
        if p >= saturated { glare += 1 } else if p <= config.nutMaxGray { dark += 1 }
      }
    }
    let disc = Double(max(discPixels, 1))
    let glareFraction = Double(glare) / disc
    let outOfView = Double(discPixels - inImage) / disc
    let expected = fillFraction * disc
    let missing = max(0, 1 - Double(dark) / expected)
    let occlusion = min(max(missing - glareFraction - outOfView, 0), 1)

    // Pose: depth from the nut's size or the known plane, then back-projection.
    let f = (camera.fxPx + camera.fyPx) / 2
    let topDepth: Double
    switch depth {
    case .fromNutSize: topDepth = f * geometry.outerRadiusMm / 1000 / r
    case .knownTopFaceDepthM(let d): topDepth = d
    }
    let top = SIMD3(
      (circle.centreU - camera.cxPx) * topDepth / camera.fxPx, (circle.centreV - camera.cyPx) * topDepth / camera.fyPx,
      topDepth)
    let centre = camera.opticalToFrame.apply(top + SIMD3(0, 0, geometry.heightMm / 2000))

    // Spline phase on rings between the tooth tips and roots.
    let minor = geometry.splineMinorRadiusMm / geometry.outerRadiusMm
    let major = geometry.splineMajorRadiusMm / geometry.outerRadiusMm
    let radii = config.phaseRingFractions.map { (minor + (major - minor) * $0) * r }
    var phaseDeg: Double?
    var yawDeg = 0.0
    var phaseConfidence = 0.0
    if let tooth = SplinePhaseCorrelator.toothAngle(
      pixels, widthPx: width, heightPx: height, centreU: circle.centreU, centreV: circle.centreV, radiiPx: radii,
      teeth: geometry.splineTeeth, samples: config.phaseSamples, config: config)
    {
      let direction = camera.opticalToFrame.rotate(SIMD3(cos(tooth.angleRad), sin(tooth.angleRad), 0))
      yawDeg = geometry.wrapPhaseDeg(atan2(direction.y, direction.x) * 180 / .pi)
      phaseDeg = geometry.wrapPhaseDeg(yawDeg - referenceYawDeg)
      // A clean ring of teeth (50 % duty) has a fundamental of (2/π)·contrast, contrast ≈ (table − nut)/255.
      let clean = 2 / Double.pi * 0.55
      phaseConfidence = min(max(tooth.amplitude / clean, 0), 1) * min(1, tooth.validFraction / 0.7)
    }

    // Confidence and the main reason.
    let losses: [(DegradationReason, Double)] = [
      (.glare, config.glarePenalty * glareFraction), (.occlusion, config.occlusionPenalty * occlusion),
      (.outOfView, config.outOfViewPenalty * outOfView),
    ]
    var confidence = 1.0
    for (_, loss) in losses { confidence *= max(0, 1 - loss) }
    if circle.residual > 1.5 { confidence *= 1.5 / circle.residual }
    var reason = DegradationReason.none
    var detail = "nut at (\(Self.format(circle.centreU)), \(Self.format(circle.centreV))) px, clear view"
    if confidence < config.degradedBelow, let worst = losses.max(by: { $0.1 < $1.1 }), worst.1 > 0 {
      reason = worst.0
      switch worst.0 {
      case .glare: detail = "glare on \(Self.percent(glareFraction)) of the nut ROI"
      case .occlusion: detail = "\(Self.percent(occlusion)) of the nut occluded"
      default: detail = "\(Self.percent(outOfView)) of the nut outside the image"
      }
    }
    return VisionEstimate(
      found: true, centreUPx: circle.centreU, centreVPx: circle.centreV, centroidUPx: centroidU,
      centroidVPx: centroidV, outerRadiusPx: r, outlineResidualPx: circle.residual,
      pose: NutPose(positionM: centre, yawDeg: yawDeg, frameName: camera.frameName), topFaceDepthM: topDepth,
      splinePhaseDeg: phaseDeg, splinePhaseConfidence: phaseConfidence * confidence, glareFraction: glareFraction,
      occlusionFraction: occlusion, outOfViewFraction: outOfView, nutAreaPx: dark, expectedNutAreaPx: expected,
      confidence: ModalityConfidence(modality: .vision, confidence: confidence, reason: reason, detail: detail))
  }

  /// Nothing nut-like: name glare or occlusion if the frame is full of it, else out of view.
  private func notFound(_ pixels: UnsafeBufferPointer<UInt8>) -> VisionEstimate {
    var saturated = 0
    var occluded = 0
    for p in pixels {
      if p >= config.saturatedGray { saturated += 1 } else if config.occluderGray.contains(p) { occluded += 1 }
    }
    let total = Double(max(pixels.count, 1))
    let glare = Double(saturated) / total
    let occlusion = Double(occluded) / total
    if glare >= 0.02 || occlusion >= 0.02 {
      return glare >= occlusion
        ? .notFound(reason: .glare, detail: "no nut found; glare on \(Self.percent(glare)) of the frame")
        : .notFound(reason: .occlusion, detail: "no nut found; \(Self.percent(occlusion)) of the frame occluded")
    }
    return .notFound(reason: .outOfView, detail: "no nut in view")
  }

  static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }
  static func format(_ x: Double) -> String { "\(Double(Int((x * 10).rounded())) / 10)" }
}
