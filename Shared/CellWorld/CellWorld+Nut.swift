extension CellWorld {
  /// The pin's seat (axis point where a seated nut's bottom face rests), world frame.
  public func pinSeatM(robot: Int) -> Vector3 { RobotLayout.world(RobotLayout.pinSeatM, robot: robot) }

  /// The nut's centre at the feeder's pick position, world frame.
  public func pickPositionM(robot: Int) -> Vector3 { RobotLayout.world(RobotLayout.pickPositionM, robot: robot) }

  /// The pin's spline phase (direction of one tooth centre about world z), radians.
  public var pinYawRad: Double { 0 }

  /// The feeder presents a new nut at the pick position (a part leaves with the last one).
  /// Returns false while the robot holds a nut.
  @discardableResult
  public mutating func presentNut(robot r: Int) -> Bool {
    guard robots[r].nutState != .inGripper else { return false }
    let jitter = Vector3(0.0003 * events.normal(), 0.0003 * events.normal(), 0)
    robots[r].nutState = .inFeeder
    robots[r].nutPositionM = pickPositionM(robot: r) + jitter
    robots[r].nutYawRad = events.uniform(0, 2 * .pi)
    robots[r].pinContact = .none
    robots[r].slipping = false
    robots[r].slipDistanceM = 0
    robots[r].contactForceN = .zero
    return true
  }

  /// The part with its nut leaves the cell, or an operator clears a nut still in the fingers
  /// (no nut in play afterwards).
  public mutating func removeNut(robot r: Int) {
    var s = robots[r]
    if s.nutState == .inGripper { unloadArm(r * 2 + RobotLayout.workingArm, &s) }
    s.nutState = .none
    s.pinContact = .none
    robots[r] = s
  }

  /// The feeder's "part present" sensor: a nut lies at the pick position.
  public func nutAtPickPosition(robot r: Int) -> Bool { robots[r].nutState == .inFeeder }

  /// The fixture's "nut seated" proximity sensor (PLC-IO-MAP: NUT_SEATED): a nut fully down on
  /// the positioning pin — engaged on the spline, its bottom within 0.5 mm of the seat — whether
  /// the fingers still hold it or have let go.
  public func nutSeatedOnPin(robot r: Int) -> Bool {
    let s = robots[r]
    switch s.nutState {
    case .pinSeated, .fastened, .crossThreaded: return true
    case .inGripper:
      return s.pinContact == .engaged && s.nutPositionM.z - config.nut.heightM / 2 <= pinSeatM(robot: r).z + 0.0005
    default: return false
    }
  }

  /// The fixture fastens the nut on the pin: the outcome follows from the nut's true state (a
  /// seated nut may still cross-thread: more likely the worse it was started on the pin, plus the
  /// cross-thread rate's residual).
  public mutating func fasten(robot r: Int) -> FasteningOutcome {
    switch robots[r].nutState {
    case .pinSeated:
      // The seating's causes (NutModel+Causes), then the residual random part (the rate).
      let causal = events.chance(config.nut.crossThreadProbability(robots[r].seating))
      let residual = draw(.crossThread, robot: r) != nil
      if causal || residual {
        robots[r].nutState = .crossThreaded
        return .crossThreaded
      }
      robots[r].nutState = .fastened
      return .fastened
    case .pinNotSeated: return .notSeated
    case .crossThreaded: return .crossThreaded
    case .fastened: return .fastened
    default: return .noNut
    }
  }

  /// The true state around one robot.
  public func truth(robot r: Int) -> RobotTruth {
    let s = robots[r]
    let base = RobotLayout.robotBaseM[r]
    return RobotTruth(
      nutState: s.nutState, nutPositionM: s.nutPositionM, nutYawRad: s.nutYawRad,
      splinePhaseErrorDeg: config.nut.phaseErrorDeg(nutYawRad: s.nutYawRad, pinYawRad: pinYawRad),
      slipping: s.slipping, contactForceN: s.contactForceN,
      comM: Vector3(base.x + s.totalComX, base.y + s.totalComY, config.balance.comHeightM),
      balanceMarginM: s.marginM, fallen: s.fallen, tcp: tcp[r * 2 + RobotLayout.workingArm], gripOffsetM: s.gripOffsetM,
      seating: s.seating, gripFriction: s.friction)
  }

  /// The nut's physics for one step: grasp, slip, magnetic pull, pin contact, release.
  mutating func updateNut(robot r: Int) {
    let a = r * 2 + RobotLayout.workingArm
    let nut = config.nut
    let tool = tcp[a]
    var s = robots[r]
    defer { robots[r] = s }
    let diameter = 2 * nut.outerRadiusM
    switch s.nutState {
    case .inFeeder:
      let rel = tool.rotation.applyInverse(s.nutPositionM - tool.positionM)
      s.nutBetweenFingers = abs(rel.x) < 0.006 && abs(rel.y) < 0.004 && abs(rel.z) < 0.005
      guard s.nutBetweenFingers, gripperWidth[a] <= diameter + 1e-9, gripperForce[a] > 0, !s.fallen else { return }
      // The pick: closing fingers centre the nut along their closing axis.
      var offset = Vector3(0, rel.y, rel.z)
      var yawOffset = s.nutYawRad - tool.rotation.yawRad
      if let variationMm = draw(.gripVariation, robot: r) {
        offset.y += events.sign() * variationMm / 1000
        yawOffset += events.sign() * events.uniform(
          nut.variationYawRangeDeg.lowerBound, nut.variationYawRangeDeg.upperBound) * .pi / 180
        s.friction = events.uniform(nut.lowFrictionRange.lowerBound, nut.lowFrictionRange.upperBound)
      } else {
        offset.y += nut.gripOffsetSigmaM * events.normal()
        yawOffset += nut.gripYawSigmaDeg * .pi / 180 * events.normal()
        s.friction = events.uniform(nut.frictionRange.lowerBound, nut.frictionRange.upperBound)
      }
      // Off the pads' centre (where the fingers closed, plus any variation) less of the pad holds.
      s.friction = nut.effectiveFriction(s.friction, offsetAcrossPadsM: offset.y)
      s.gripOffsetM = offset
      s.gripYawOffsetRad = yawOffset
      s.nutState = .inGripper
      s.slipDistanceM = 0
      s.pinContact = .none
      s.magnetDrawn = false
      s.extraPullN = 0
      fallthrough
    case .inGripper:
      s.nutBetweenFingers = true
      let previousZ = s.nutPositionM.z
      s.nutPositionM = tool.positionM + tool.rotation.apply(s.gripOffsetM)
      s.nutYawRad = tool.rotation.yawRad + s.gripYawOffsetRad
      let seat = pinSeatM(robot: r)
      let pinTopZ = seat.z + nut.pinLengthM
      let bottomZ = s.nutPositionM.z - nut.heightM / 2
      if s.fallen || gripperWidth[a] > diameter + 0.0005 {
        release(&s, seat: seat, bottomZ: bottomZ, nest: pickPositionM(robot: r))
        unloadArm(a, &s)
        return
      }
      // Magnetic pull of the pin: F = (F₀ + F_extra) · exp(−d/λ), along the magnet's azimuth.
      let toPin = Vector3(seat.x, seat.y, pinTopZ) - s.nutPositionM
      let distance = length(toPin)
      if distance < 0.05, !s.magnetDrawn {
        s.magnetDrawn = true
        s.extraPullN = draw(.magneticPull, robot: r) ?? 0
      } else if distance > 0.08 {
        s.magnetDrawn = false
        s.extraPullN = 0
      }
      var pull = Vector3.zero
      if s.pinContact != .engaged {
        let magnitude = (nut.magneticPullN + s.extraPullN) * _exp(-distance / nut.magneticDecayM)
        pull = Vector3(_cos(s.magnetAzimuthRad), _sin(s.magnetAzimuthRad), 0) * magnitude
      }
      let load = pull + Vector3(0, 0, -nut.massKg * 9.81)
      // Friction: the pads hold up to 2 μ F_grip in their plane (tool y, z); beyond, it slips.
      let local = tool.rotation.applyInverse(load)
      let tangential = (local.y * local.y + local.z * local.z).squareRoot()
      let capacity = 2 * s.friction * gripperForce[a]
      var transmitted = load
      if tangential > capacity, tangential > 0 {
        s.slipping = true
        let travel = nut.slipSpeedMPerS * Self.stepS
        s.gripOffsetM.y += local.y / tangential * travel
        s.gripOffsetM.z += local.z / tangential * travel
        s.slipDistanceM += travel
        transmitted = tool.rotation.apply(Vector3(local.x, local.y / tangential * capacity, local.z / tangential * capacity))
        if s.slipDistanceM > nut.dropSlipM {
          s.nutState = .dropped
          s.nutPositionM.z = seat.z + nut.heightM / 2
          unloadArm(a, &s)
          return
        }
      } else {
        s.slipping = false
      }
      // The pin: first contact is the insertion opportunity.
      let lateral = ((s.nutPositionM.x - seat.x) * (s.nutPositionM.x - seat.x)
        + (s.nutPositionM.y - seat.y) * (s.nutPositionM.y - seat.y)).squareRoot()
      if s.pinContact == .none, bottomZ <= pinTopZ, lateral < nut.outerRadiusM + 0.003 {
        // The chamfer's impact turns the nut in the fingers when it comes down too hard for the
        // grip (NutModel+Causes); the rate's residual turns it regardless.
        let entrySpeed = (previousZ - s.nutPositionM.z) / Self.stepS
        let impactTurn = nut.impactTurnsNut(entrySpeedMPerS: entrySpeed, friction: s.friction, gripForceN: gripperForce[a])
        if let turnDeg = draw(.splinePhaseError, robot: r) ?? (impactTurn ? WorldFault.splinePhaseError.defaultMagnitude : nil) {
          s.gripYawOffsetRad += events.sign() * turnDeg * .pi / 180
          s.nutYawRad = tool.rotation.yawRad + s.gripYawOffsetRad
        }
        let phase = nut.phaseErrorDeg(nutYawRad: s.nutYawRad, pinYawRad: pinYawRad)
        s.seating = NutModel.Seating(
          entryOffsetM: lateral, entryPhaseDeg: abs(phase), entrySpeedMPerS: entrySpeed, releaseSideForceN: 0)
        if lateral <= nut.lateralCaptureM, abs(phase) <= nut.captureWindowDeg {
          // The lead-in centres the nut and the chamfer turns it onto the spline.
          s.pinContact = .engaged
          let centred = Vector3(seat.x, seat.y, s.nutPositionM.z)
          s.gripOffsetM = tool.rotation.applyInverse(centred - tool.positionM)
          s.gripYawOffsetRad -= phase * .pi / 180
          s.nutPositionM = centred
          s.nutYawRad = tool.rotation.yawRad + s.gripYawOffsetRad
        } else {
          s.pinContact = .jammed
        }
      } else if s.pinContact != .none, bottomZ > pinTopZ + 0.002 {
        s.pinContact = .none
      }
      var contact = Vector3.zero
      if s.pinContact != .none {
        let floorZ = s.pinContact == .engaged ? seat.z : pinTopZ
        if bottomZ < floorZ { contact.z = nut.contactStiffnessNPerM * (floorZ - bottomZ) }
      }
      s.contactForceN = transmitted + contact
      applyTcpForce(arm: a, forceN: s.contactForceN)
      s.armLoaded = true
    default:
      s.nutBetweenFingers = false
      if s.armLoaded { unloadArm(a, &s) }
    }
  }

  private mutating func unloadArm(_ a: Int, _ s: inout RobotPhysics) {
    let first = (a / 2) * RobotLayout.jointCount + (a % 2) * 7
    for i in 0..<7 { tauExternal[first + i] = 0 }
    s.armLoaded = false
    s.contactForceN = .zero
    s.slipping = false
    s.nutBetweenFingers = false
  }

  /// The fingers open: the nut stays where the pin holds it, settles back into the feeder's nest
  /// when it is let go in it (a re-grasp puts it down there), or falls.
  private func release(_ s: inout RobotPhysics, seat: Vector3, bottomZ: Double, nest: Vector3) {
    let nut = config.nut
    switch s.pinContact {
    case .engaged where bottomZ <= seat.z + 0.0005:
      s.nutState = .pinSeated
      // A hand off the pin's axis pushes the nut sideways through its compliance as it lets go.
      let dx = s.nutPositionM.x - seat.x, dy = s.nutPositionM.y - seat.y
      s.seating.releaseSideForceN = nut.handLateralStiffnessNPerM * (dx * dx + dy * dy).squareRoot()
      s.nutPositionM = Vector3(seat.x, seat.y, seat.z + nut.heightM / 2)
    case .engaged, .jammed:
      s.nutState = .pinNotSeated
    case .none where Self.inNest(s.nutPositionM, nest: nest):
      // The nest's guides centre it again; its turn about the axis stays as it was.
      s.nutState = .inFeeder
      s.nutPositionM = nest
    case .none:
      s.nutState = .dropped
      s.nutPositionM.z = seat.z + nut.heightM / 2
    }
  }

  /// A nut let go within 5 mm of the nest's centre sideways and 5 mm of its height lies in the nest
  /// (its lead-in guides take it back); anywhere else it falls.
  static func inNest(_ nutM: Vector3, nest: Vector3) -> Bool {
    let dx = nutM.x - nest.x, dy = nutM.y - nest.y
    return (dx * dx + dy * dy).squareRoot() <= 0.005 && abs(nutM.z - nest.z) <= 0.005
  }
}
