extension CellWorld {
  // MARK: - Reading the sensors

  /// The latest image of camera `index` (GRAY8, row-major, 320 × 240).
  public func cameraPixels(_ index: Int) -> [UInt8] { frames[index] }
  /// Frames camera `index` has taken since Reset (0 = none yet).
  public func cameraSequence(_ index: Int) -> UInt64 { frameSequence[index] }
  /// World step at which camera `index` took its latest image.
  public func cameraStep(_ index: Int) -> UInt64 { frameStep[index] }
  /// Glare and occlusion in camera `index`'s latest image.
  public func cameraFaults(_ index: Int) -> CameraFaults { frameFaults[index] }
  /// Index of the camera with `id`, if the cell has it.
  public func cameraIndex(id: String) -> Int? { cameras.firstIndex { $0.id == id } }

  /// The latest pressure image of one finger (`TactileArray.fingers` order), kPa, row-major.
  public func tactilePressureKPa(robot: Int, finger: Int) -> ArraySlice<Float> {
    let start = (robot * 4 + finger) * TactileArray.taxels
    return tactile[start..<(start + TactileArray.taxels)]
  }
  /// Tactile frames of a robot since Reset.
  public func tactileSequence(robot: Int) -> UInt64 { tactileSequence[robot] }
  /// World step of a robot's latest tactile frame.
  public func tactileStep(robot: Int) -> UInt64 { tactileStep[robot] }
  /// Whether a finger's latest frame carries a spurious contact (ground truth of that fault).
  public func tactileHasSpuriousContact(robot: Int, finger: Int) -> Bool { tactileSpurious[robot * 4 + finger] }
  /// The latest IMU sample of a robot.
  public func imuSample(robot: Int) -> ImuReading { imu[robot] }

  // MARK: - Sampling

  /// The next step after this one at which a sensor sampled at `hz` takes a sample (nil: off).
  public func nextSampleStep(hz: Double) -> UInt64? {
    guard hz > 0 else { return nil }
    let period = max(UInt64((1000 / hz).rounded()), 1)
    return (stepIndex / period + 1) * period
  }

  @inline(__always) private func due(_ hz: Double) -> Bool {
    guard hz > 0 else { return false }
    let period = max(UInt64((1000 / hz).rounded()), 1)
    return stepIndex % period == 0
  }

  mutating func updateSensors() {
    if due(config.imuHz) {
      for r in 0..<robotCount { sampleImu(robot: r) }
    }
    if due(config.tactileHz) {
      for r in 0..<robotCount { sampleTactile(robot: r) }
    }
    if due(config.cameraHz) {
      for c in 0..<cameras.count { render(camera: c) }
    }
  }

  private mutating func sampleImu(robot r: Int) {
    let s = robots[r]
    let rotation = torsoRotation(robot: r)
    let specific = rotation.applyInverse(Vector3(s.accelerationX, s.accelerationY, 9.81))
    let noise = Vector3(nextNormal(), nextNormal(), nextNormal())
    let gyroNoise = Vector3(nextNormal(), nextNormal(), nextNormal())
    imu[r].specificForceMPerS2 = specific + noise * 0.02
    imu[r].angularRateRadPerS = Vector3(s.rollRateRadPerS, s.pitchRateRadPerS, 0) + gyroNoise * 0.002
    imu[r].orientation = rotation.quaternion
    imu[r].step = stepIndex
    imu[r].sequence += 1
  }

  /// Pressure from the nut's line contact on each pad (``TactilePad``), plus spurious blobs
  /// and the skin's noise.
  private mutating func sampleTactile(robot r: Int) {
    let base = r * 4 * TactileArray.taxels
    for i in 0..<(4 * TactileArray.taxels) { tactile[base + i] = 0 }
    let a = r * 2 + RobotLayout.workingArm
    let s = robots[r]
    let force = gripperForce[a]
    if s.nutState == .inGripper, force > 0 {
      for finger in 0..<2 {
        TactilePad.drawLineContact(
          acrossM: finger == 0 ? s.gripOffsetM.y : -s.gripOffsetM.y, alongM: -s.gripOffsetM.z, forceN: force,
          nut: config.nut, into: &tactile, at: base + (RobotLayout.workingArm * 2 + finger) * TactileArray.taxels)
      }
    }
    for finger in 0..<4 {
      let start = base + finger * TactileArray.taxels
      if let peakKPa = draw(.unexpectedTactileContact, robot: r, camera: TactileArray.fingers[finger]) {
        tactileSpurious[r * 4 + finger] = true
        let row = events.uniform(0, Double(TactileArray.rows - 1))
        let col = events.uniform(0, Double(TactileArray.cols - 1))
        TactilePad.addBlob(peakKPa: peakKPa, row: row, col: col, into: &tactile, at: start)
      } else {
        tactileSpurious[r * 4 + finger] = false
      }
      for i in start..<(start + TactileArray.taxels) where tactile[i] > 0 {
        tactile[i] = max(0, tactile[i] + Float(TactilePad.noiseSigmaKPa * nextNormal()))
      }
    }
    tactileSequence[r] += 1
    tactileStep[r] = stepIndex
  }

  /// Renders one camera: noisy table (copied from a pre-drawn buffer at a random offset), the
  /// pin, the nut's ring with its spline teeth (only its bounding box is touched), then glare
  /// and occlusion.
  private mutating func render(camera c: Int) {
    let view = cameras[c]
    let width = CameraView.widthPx
    let height = CameraView.heightPx
    let pixels = width * height
    let offset = Int(truncatingIfNeeded: sensorRandom.next() % 8192)
    let nut = config.nut
    let s = robots[view.robot]
    let seat = pinSeatM(robot: view.robot)
    var nutCentre: (u: Double, v: Double)?
    var faults = CameraFaults()
    let glare = draw(.cameraGlare, robot: view.robot, camera: view.id)
    let occlusion = draw(.cameraOcclusion, robot: view.robot, camera: view.id)
    let glareU = sensorRandom.uniform(-50, 50)
    let glareV = sensorRandom.uniform(-50, 50)
    let occluderU = sensorRandom.uniform(-40, 40)
    let occluderV = sensorRandom.uniform(-40, 40)
    frames[c].withUnsafeMutableBufferPointer { image in
      noisyBackground.withUnsafeBufferPointer { background in
        image.baseAddress!.update(from: background.baseAddress! + offset, count: pixels)
      }
      pixelNoise.withUnsafeBufferPointer { noise in
        angleTable.withUnsafeBufferPointer { angles in
          if view.watchesPin, let pin = view.project(Vector3(seat.x, seat.y, seat.z + nut.pinLengthM)) {
            let radius = nut.splineMinorRadiusM * view.fxPx / pin.depthM
            Self.fillDisc(image, u: pin.u, v: pin.v, radius: radius, gray: CameraView.pinGray, noise: noise, offset: offset)
          }
          guard s.nutState != .none,
            let centre = view.project(s.nutPositionM + Vector3(0, 0, nut.heightM / 2))
          else { return }
          nutCentre = (centre.u, centre.v)
          let scale = view.fxPx / centre.depthM
          let outer = nut.outerRadiusM * scale
          let major = nut.splineMajorRadiusM * scale
          let minor = nut.splineMinorRadiusM * scale
          Self.paintNut(
            image, centreU: centre.u, centreV: centre.v, outerPx: outer, majorPx: major, minorPx: minor,
            yawRad: s.nutYawRad, teeth: nut.splineTeeth, noise: noise, offset: offset, angles: angles)
        }
      }
      // Glare and occluders sit near the nut when it is roughly in view, else mid-image.
      var anchor = (u: Double(width) / 2, v: Double(height) / 2)
      if let centre = nutCentre, abs(centre.u) < 1e4, abs(centre.v) < 1e4 { anchor = centre }
      if let fraction = glare {
        faults.glareFraction = fraction
        let radius = (fraction * Double(pixels) / Double.pi).squareRoot()
        Self.fillDisc(image, u: anchor.u + glareU, v: anchor.v + glareV, radius: radius, gray: 255, noise: nil, offset: 0)
      }
      if let fraction = occlusion {
        faults.occlusionFraction = fraction
        let w = (2 * fraction * Double(pixels)).squareRoot()
        let h = w / 2
        let u0 = max(0, Int(anchor.u + occluderU - w / 2))
        let u1 = min(width, Int(anchor.u + occluderU + w / 2))
        let v0 = max(0, Int(anchor.v + occluderV - h / 2))
        let v1 = min(height, Int(anchor.v + occluderV + h / 2))
        if u0 < u1, v0 < v1 {
          for v in v0..<v1 {
            for u in u0..<u1 { image[v * width + u] = 70 }
          }
        }
      }
    }
    frameFaults[c] = faults
    frameSequence[c] += 1
    frameStep[c] = stepIndex
  }

  /// Paints the nut's ring into a `CameraView` image: the solid ring outside the spline's roots as
  /// runs, the spline zone (inside the roots) pixel by pixel for teeth. Every write stays inside
  /// the image, whatever part of the nut lies off its edges (a run clipped by the image border must
  /// not be extended past it: a nut half out of the top-left corner once painted in front of the
  /// buffer, over the array's own header).
  static func paintNut(
    _ image: UnsafeMutableBufferPointer<UInt8>, centreU: Double, centreV: Double, outerPx outer: Double,
    majorPx major: Double, minorPx minor: Double, yawRad yaw: Double, teeth: Int,
    noise: UnsafeBufferPointer<Int8>, offset: Int, angles: UnsafeBufferPointer<Float>
  ) {
    let width = CameraView.widthPx
    let height = CameraView.heightPx
    let half = CameraView.angleTableHalf
    guard outer.isFinite, centreU.isFinite, centreV.isFinite, outer < Double(half),
      abs(centreU) < 1e6, abs(centreV) < 1e6
    else { return }
    let u0 = max(0, Int((centreU - outer).rounded(.down)))
    let u1 = min(width - 1, Int((centreU + outer).rounded(.up)))
    let v0 = max(0, Int((centreV - outer).rounded(.down)))
    let v1 = min(height - 1, Int((centreV + outer).rounded(.up)))
    guard u0 <= u1, v0 <= v1 else { return }
    let iu = Int(centreU.rounded())
    let iv = Int(centreV.rounded())
    let side = 2 * half + 1
    let pitch = 2 * Double.pi / Double(teeth)
    let outer2 = outer * outer
    let major2 = major * major
    let minor2 = minor * minor
    @inline(__always) func paint(_ i: Int) {
      image[i] = UInt8(clamping: CameraView.nutGray + Int(noise[i + offset]))
    }
    for v in v0...v1 {
      let dy = Double(v) - centreV
      let dy2 = dy * dy
      guard dy2 <= outer2 else { continue }
      let halfOuter = (outer2 - dy2).squareRoot()
      // [ua, ub]: this row's ring, clipped to the image.
      let ua = max(u0, Int((centreU - halfOuter).rounded(.up)))
      let ub = min(u1, Int((centreU + halfOuter).rounded(.down)))
      guard ua <= ub else { continue }
      let rowStart = v * width
      guard dy2 < major2 else {
        for u in ua...ub { paint(rowStart + u) }
        continue
      }
      // [ma, mb]: the spline zone, clipped to [ua, ub] (it may lie wholly off the image while
      // part of the ring is on it).
      let halfMajor = (major2 - dy2).squareRoot()
      let ma = min(ub + 1, max(ua, Int((centreU - halfMajor).rounded(.up))))
      let mb = max(ua - 1, min(ub, Int((centreU + halfMajor).rounded(.down))))
      if ua < ma { for u in ua..<ma { paint(rowStart + u) } }
      // mb ≥ ma − 1 always (⌈c − h⌉ ≤ ⌊c + h⌋ + 1, and the clamps keep it), so the right run
      // starts after mb and never overlaps the left one.
      if mb < ub { for u in (mb + 1)...ub { paint(rowStart + u) } }
      guard ma <= mb else { continue }
      let row = (v - iv + half) * side + half - iu
      for u in ma...mb {
        let dx = Double(u) - centreU
        let r2 = dx * dx + dy2
        guard r2 >= minor2 else { continue }
        let phase = (Double(angles[row + u]) - yaw) / pitch
        let fraction = phase - phase.rounded(.down)
        if fraction < 0.25 || fraction > 0.75 { paint(rowStart + u) }
      }
    }
  }

  private static func fillDisc(
    _ image: UnsafeMutableBufferPointer<UInt8>, u: Double, v: Double, radius: Double, gray: Int,
    noise: UnsafeBufferPointer<Int8>?, offset: Int
  ) {
    let width = CameraView.widthPx
    guard abs(u) < 1e6, abs(v) < 1e6, radius.isFinite, radius < 1e6 else { return }
    let u0 = max(0, Int((u - radius).rounded(.down)))
    let u1 = min(width - 1, Int((u + radius).rounded(.up)))
    let v0 = max(0, Int((v - radius).rounded(.down)))
    let v1 = min(CameraView.heightPx - 1, Int((v + radius).rounded(.up)))
    guard u0 <= u1, v0 <= v1 else { return }
    let r2 = radius * radius
    for y in v0...v1 {
      let dy = Double(y) - v
      for x in u0...u1 {
        let dx = Double(x) - u
        guard dx * dx + dy * dy <= r2 else { continue }
        let i = y * width + x
        image[i] = UInt8(clamping: gray + (noise.map { Int($0[i + offset]) } ?? 0))
      }
    }
  }
}
