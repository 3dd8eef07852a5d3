extension CellWorld {
  /// Starts a horizontal push on a robot's torso in a random direction.
  mutating func startPush(robot r: Int, forceN: Double, durationS: Double) {
    let azimuth = events.uniform(0, 2 * .pi)
    robots[r].pushForceN = Vector3(_cos(azimuth), _sin(azimuth), 0) * forceN
    robots[r].pushUntilStep = stepIndex + UInt64(max(durationS, Self.stepS) / Self.stepS)
  }

  /// One step of the linear inverted pendulum: ẍ = ω² (x − p) + F/m, with the centre of
  /// pressure p = x + k₁ x + k₂ ẋ placed by the ankles and clamped to the support polygon.
  mutating func updateBalance(robot r: Int) {
    let model = config.balance
    let dt = Self.stepS
    let pushRate = config.rate(.push)
    if pushRate > 0, events.chance(pushRate * dt) {
      startPush(robot: r, forceN: WorldFault.push.defaultMagnitude, durationS: model.pushDurationS)
    }
    var s = robots[r]
    defer { robots[r] = s }
    guard !s.fallen else { return }
    // Arms shift the CoM by their mass times their centroid's move.
    var shift = Vector3.zero
    for arm in 0..<2 {
      let a = r * 2 + arm
      shift += (armCentroid(a) - s.torsoOffsetM - homeArmCentroid[a]) * (model.armMassKg / model.massKg)
    }
    let x = s.comX + shift.x
    let y = s.comY + shift.y
    let omega = model.omegaRadPerS
    let omega2 = omega * omega
    let k1 = (model.regulationRadPerS / omega) * (model.regulationRadPerS / omega)
    let k2 = 2 * model.regulationRadPerS / omega2
    let px = min(max(x + k1 * x + k2 * s.comVX, model.supportXM.lowerBound), model.supportXM.upperBound)
    let py = min(max(y + k1 * y + k2 * s.comVY, model.supportYM.lowerBound), model.supportYM.upperBound)
    let push = stepIndex < s.pushUntilStep ? s.pushForceN : .zero
    s.accelerationX = omega2 * (x - px) + push.x / model.massKg
    s.accelerationY = omega2 * (y - py) + push.y / model.massKg
    s.comVX += s.accelerationX * dt
    s.comVY += s.accelerationY * dt
    s.comX += s.comVX * dt
    s.comY += s.comVY * dt
    s.totalComX = x
    s.totalComY = y
    s.marginM = model.margin(x: x + s.comVX / omega, y: y + s.comVY / omega)
    let pitch = (x - px) / model.comHeightM
    let roll = -(y - py) / model.comHeightM
    s.pitchRateRadPerS = (pitch - s.pitchRad) / dt
    s.rollRateRadPerS = (roll - s.rollRad) / dt
    s.pitchRad = pitch
    s.rollRad = roll
    if model.margin(x: x, y: y) < -model.fallDistanceM || !x.isFinite || !y.isFinite {
      s.fallen = true
      s.marginM = min(s.marginM, -model.fallDistanceM)
    }
  }

  /// The torso's orientation from the pendulum's lean (roll, then pitch).
  func torsoRotation(robot r: Int) -> Rotation3 {
    let s = robots[r]
    let cr = _cos(s.rollRad)
    let sr = _sin(s.rollRad)
    let cp = _cos(s.pitchRad)
    let sp = _sin(s.pitchRad)
    let pitch = Rotation3(x: [cp, 0, -sp], y: [0, 1, 0], z: [sp, 0, cp])
    let roll = Rotation3(x: [1, 0, 0], y: [0, cr, sr], z: [0, -sr, cr])
    return pitch.compose(roll)
  }
}
