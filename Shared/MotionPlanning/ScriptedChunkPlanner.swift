#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import PolicyRuntime
import RobotDescription
import WholeBodyControl

/// A hand-written motion planner that answers the policy's question — an observation in, an
/// action chunk out — without a network: for the cycle step it is told, it plans straight
/// Cartesian moves of the TCP (pre-grasp above the nut, down onto it, up and over the pin with the
/// wrist turned by the observed spline phase, down onto the pin, open and back away) and turns
/// them into joint targets by inverse kinematics. It reads only what the policy reads, so it runs
/// through the same fleet path (perception's estimates, the torso frame, control's tracking) and
/// tells how much of a cell's yield the learned policy costs. It keeps no state between calls:
/// every chunk is planned from the observation alone (receding horizon).
public struct ScriptedChunkPlanner: Sendable {
  /// The version the policy service lists it under.
  public static let version = "scripted-planner-4"

  /// Geometry and speeds.
  public struct Config: Sendable, Hashable {
    /// The working arm's base in the torso frame, metres.
    public var armBaseInTorsoM: SIMD3<Double>
    /// How far the pin stands above its seat, metres.
    public var pinLengthM = 0.012
    /// The nut's height, metres (its centre is half of it above the face it sits on).
    public var nutHeightM = 0.008
    /// The pre-grasp pose's height above the nut, metres.
    public var preGraspAboveM = 0.06
    /// Height of the carried nut over the pin's top while it crosses, metres.
    public var carryClearanceM = 0.04
    /// Free moves, m/s.
    public var freeSpeedMPerS = 0.35
    /// Onto the nut and the last millimetres onto the pin, m/s.
    public var fineSpeedMPerS = 0.05
    /// Deceleration into a goal, m/s² (planned; below `accelerationMPerS2` so the plan can keep it).
    public var decelerationMPerS2 = 1.0
    /// Most change of the TCP's velocity, m/s².
    public var accelerationMPerS2 = 1.5
    /// A new plan starts from the last chunk's reference when the arm is this close to it, metres.
    public var warmStartToleranceM = 0.01
    /// Below this TCP speed the reference's offset from the measured TCP is taken as a steady
    /// force holding the arm off (the insert compensates it), m/s.
    public var heldOffSpeedMPerS = 0.05
    /// A small offset (at most `smallHeldOffM`, the nominal magnet's) is also read while the TCP
    /// goes straight down (sideways slower than this, m/s): the descent onto the pin has no
    /// sideways lag to mistake for a pull. A larger one (a strong magnet) only while still: read
    /// on the way down, it swung the nut across the pin's top.
    public var heldOffSidewaysSpeedMPerS = 0.01
    public var smallHeldOffM = 0.0005
    /// Whether the insert compensates a steady pull (`heldOffM`). It assumes the chunk reaches
    /// control within a few milliseconds, as from the policy beside control in the cell: with
    /// 100 ms of delay the offset it reads is partly the arm's own lag, and compensating it swung
    /// the nut across the pin (planner through control on 300 cycles at 100 ms: 253 fastened with
    /// it, 276 without; at 0 ms 289 with, 280 without). `workcell-train` turns it off for
    /// rollouts at 50 ms or more.
    public var compensatesSteadyPull = true
    /// A leg counts as reached this close to its end, metres (the plan turns onto the next).
    public var legReachedM = 0.003
    /// Wrist turn rate, rad/s (average over a turn).
    public var turnRateRadPerS = 0.75
    /// Turns smaller than this are not made, radians.
    public var turnDeadbandRad = 0.015
    /// The fingers close once the TCP is this close to the nut's centre sideways…
    public var closeSidewaysM = 0.0015
    /// …and vertically.
    public var closeVerticalM = 0.003
    /// The nut's width across the fingers, metres: fingers closed this far below it without holding
    /// the nut missed it (they open and try again).
    public var nutDiameterM = 0.024
    /// The held nut goes down the pin only once it is this close to the pin's axis sideways…
    public var insertCentredM = 0.001
    /// …and its spline within this of the pin's teeth (else the wrist turns first).
    public var insertPhaseToleranceDeg = 3.0
    /// How far below the seat the insert aims the nut, metres: enough to hold it down on the seat
    /// (NUT_SEATED: within 0.5 mm), little enough not to press hard. The compliant arm gives
    /// sideways under a vertical press (1 mm of press, ~10 N, moved the hand ~2 mm aside, and the
    /// nut with it, as the fingers opened).
    public var seatPressM = 0.0003
    /// Open gripper width, metres.
    public var openWidthM = 0.045
    /// Grip force, newtons.
    public var gripForceN = 20.0
    /// The working arm's posture the inverse kinematics leans toward in its null space (the
    /// arm's home), radians.
    public var restPostureRad: [Double] = RobotDescription.reference.arm.homeRad
    /// How strongly, per solver iteration (three per chunk step), as a fraction of the way.
    public var restGain = 0.005
    /// The working arm's joint limits (control refuses a chunk past them), radians; the plan
    /// keeps `limitMarginRad` inside.
    public var jointMinRad: [Double]
    public var jointMaxRad: [Double]
    public var limitMarginRad = 0.05
    /// The working arm's joint speed limits (control refuses a chunk faster than them), rad/s; the
    /// plan keeps to `speedFraction` of them.
    public var jointSpeedMaxRadPerS: [Double]
    public var speedFraction = 0.8

    /// The simulated cell's (the robot description's layout, CellWorld's NutModel), with
    /// control's default limits for the working (right) arm.
    public init(armBaseInTorsoM: SIMD3<Double> = CellLayout.defaults.armBaseInRobotM, limits: JointLimits = .defaults) {
      self.armBaseInTorsoM = armBaseInTorsoM
      let right = RobotDescription.reference.workingArmJointNames.compactMap { limits.jointNames.firstIndex(of: $0) }
      let pick = { (values: [Double], fallback: Double) -> [Double] in
        right.count == 7 ? right.map { values[$0] } : [Double](repeating: fallback, count: 7)
      }
      jointMinRad = pick(limits.positionMinRad, -2.8)
      jointMaxRad = pick(limits.positionMaxRad, 2.8)
      jointSpeedMaxRadPerS = pick(limits.velocityMaxRadPerS, 2.0)
    }
  }

  public var config: Config
  /// Steps per chunk and their spacing, as the model's architecture.
  public let chunkSteps: Int
  public let stepPeriodMs: Int
  public let jointNames: [String]
  public let gripperNames: [String]
  private let chain = ArmChain()

  public init(config: Config, chunkSteps: Int, stepPeriodMs: Int, jointNames: [String], gripperNames: [String]) {
    self.config = config
    self.chunkSteps = max(chunkSteps, 1)
    self.stepPeriodMs = max(stepPeriodMs, 1)
    self.jointNames = jointNames
    self.gripperNames = gripperNames
  }

  /// One leg of the planned path: the TCP's goal (torso frame) and the speed to go there.
  struct Leg: Equatable {
    var tcpM: SIMD3<Double>
    var speedMPerS: Double
  }

  /// What the planner decides for one observation: the TCP's path, the wrist's yaw goal and
  /// whether the fingers close.
  struct Intent: Equatable {
    var legs: [Leg]
    var yawRad: Double
    var close: Bool
    /// The chunk starts from rest (the arm's measured velocity is not continued).
    var fromRest = false
  }

  /// The intent for an observation (the planning rules, without the inverse kinematics).
  ///
  /// `closing`: the chunk before this one, in the same step, already closed the fingers. A close
  /// under way is not taken back by one observation that looks off-centre (perception's noise):
  /// with the chunk reaching control 100 ms after the look, the reopening would arrive after the
  /// fingers took the nut and drop it. It is taken back when the fingers closed without the nut.
  ///
  /// `tcpVelocityMPerS`: the TCP's measured velocity (J q̇ of the measured joints), so a nut
  /// still going down is not taken for one stalled on the pin's top.
  ///
  /// `heldOffM`: how far the tracked reference's TCP is from the measured one (zero without a
  /// reference). Near the pin a steady force — the magnet's pull on the nut — holds the compliant
  /// arm off its reference; the insert's goals are moved by it sideways, so the nut, not the
  /// reference, ends on the pin's axis (without it a strong magnet kept the nut 2–5 mm aside on
  /// the pin's top until the step's deadline).
  ///
  /// `referenceOffsetM`: the same offset read at any speed (zero without a reference).
  func intent(
    _ o: PolicyObservation, tcpM tcp: SIMD3<Double>, tcpYawRad yawNow: Double, closing: Bool = false,
    tcpVelocityMPerS: SIMD3<Double> = .zero, heldOffM: SIMD3<Double> = .zero, referenceOffsetM: SIMD3<Double> = .zero
  ) -> Intent {
    let c = config
    let nut = o.nutPositionInTorsoM
    let pin = o.pinSeatInTorsoM
    // The nut's centre over the pin's top, and pushed home on the seat (`seatPressM` of press).
    let pinTopZ = pin.z + c.pinLengthM + c.nutHeightM / 2
    let seatedZ = pin.z + c.nutHeightM / 2 - c.seatPressM
    // The nut sits in the fingers where touch says: move the TCP so the nut goes where it should.
    let inHand = tcp - nut
    // Turning the wrist by −phase brings the nut's teeth over the pin's.
    let alignedYaw = yawNow - o.splinePhaseDeg * .pi / 180
    switch o.cycleStep {
    case .reach:
      // Up to a safe height first when the hand is low and far (it may still be at the pin,
      // around the last nut), across, then down to the pre-grasp pose.
      let preGrasp = nut + SIMD3(0, 0, c.preGraspAboveM)
      let safeZ = max(preGrasp.z, pinTopZ + c.carryClearanceM)
      let d = preGrasp - tcp
      var legs: [Leg] = []
      if (d.x * d.x + d.y * d.y).squareRoot() > 0.03, tcp.z < safeZ - 0.01 {
        legs.append(Leg(tcpM: SIMD3(tcp.x, tcp.y, safeZ), speedMPerS: c.freeSpeedMPerS))
        legs.append(Leg(tcpM: SIMD3(preGrasp.x, preGrasp.y, safeZ), speedMPerS: c.freeSpeedMPerS))
      }
      legs.append(Leg(tcpM: preGrasp, speedMPerS: c.freeSpeedMPerS))
      return Intent(legs: legs, yawRad: yawNow, close: false)
    case .grasp:
      let d = nut - tcp
      let sideways = (d.x * d.x + d.y * d.y).squareRoot()
      let missed = !o.holding && o.gripperWidthM < c.nutDiameterM - 0.002
      if o.holding || (closing && !missed) || (sideways < c.closeSidewaysM && abs(d.z) < c.closeVerticalM) {
        return Intent(legs: [], yawRad: yawNow, close: true)
      }
      var legs: [Leg] = []
      // Well off to the side and still high: line up over the nut first, then go down.
      if sideways > 0.003, tcp.z - nut.z > 0.01 {
        legs.append(Leg(tcpM: SIMD3(nut.x, nut.y, tcp.z), speedMPerS: 2 * c.fineSpeedMPerS))
      }
      legs.append(Leg(tcpM: nut, speedMPerS: 2 * c.fineSpeedMPerS))
      return Intent(legs: legs, yawRad: yawNow, close: false)
    case .carry, .align:
      let carryZ = pinTopZ + c.carryClearanceM
      let d = nut - pin
      var legs: [Leg] = []
      // Lift out of the feeder before crossing.
      if (d.x * d.x + d.y * d.y).squareRoot() > 0.03, nut.z < carryZ - 0.005 {
        legs.append(Leg(tcpM: SIMD3(nut.x, nut.y, carryZ) + inHand, speedMPerS: c.freeSpeedMPerS))
      }
      legs.append(Leg(tcpM: SIMD3(pin.x, pin.y, carryZ) + inHand, speedMPerS: c.freeSpeedMPerS))
      return Intent(legs: o.cycleStep == .align ? [] : legs, yawRad: alignedYaw, close: true)
    case .insert:
      // Over the pin's top first, centred; down the pin only once centred (the lead-in takes
      // ±1.5 mm). Stalled on the pin's top off-centre or turned (jammed): lift clear and try again
      // (a jam resets once the nut is 2 mm clear).
      let d = nut - pin
      let sideways = (d.x * d.x + d.y * d.y).squareRoot()
      let approachZ = pinTopZ + 0.003
      let centred = sideways <= c.insertCentredM
      // Down the pin (2 mm under its top, 4σ of perception's height noise): the pin holds it
      // centred and turned, so it goes on to the seat whatever one noisy look says sideways.
      // Lifting it there (a chunk arriving after NUT_SEATED) opened the fingers over a nut no
      // longer seated.
      // Pushed aside by a strong pull (held off by more than 0.5 mm): down slowly, so the offset is
      // compensated on the way (it is read only while the arm is nearly still).
      // Seen on the way down too (`referenceOffsetM`: going straight down there is no sideways lag
      // to mistake for it): the approach slows to the same speed, so the offset is read (below
      // the still speed) and compensated before the nut meets the pin's top; at the free speed a
      // strong magnet pulled it 3–5 mm aside before the first read, and it jammed.
      let sidewaysOffset = (referenceOffsetM.x * referenceOffsetM.x + referenceOffsetM.y * referenceOffsetM.y)
        .squareRoot()
      let pulled =
        (heldOffM.x * heldOffM.x + heldOffM.y * heldOffM.y).squareRoot() > 0.0005
        || (c.compensatesSteadyPull && sidewaysOffset > 0.0005)
      let seat = Leg(tcpM: SIMD3(pin.x, pin.y, seatedZ) + inHand, speedMPerS: c.fineSpeedMPerS * (pulled ? 0.4 : 1))
      // Not moved by a held-off offset there: the pull stops once the nut is on the pin (the arm
      // springs back), and pressed on the seat the offset is the press's, not a pull; a hand moved
      // off the axis lets the nut go pushed sideways (the seating's release side force).
      if nut.z < pinTopZ - 0.002 {
        return Intent(legs: [seat], yawRad: yawNow, close: true)
      }
      // Stalled: resting on the pin's top and no longer going down.
      let stalled = nut.z <= pinTopZ + 0.0005 && tcpVelocityMPerS.z > -0.01
      let turned = abs(o.splinePhaseDeg) > c.insertPhaseToleranceDeg
      if stalled, !centred || turned {
        let lift = Leg(tcpM: SIMD3(pin.x, pin.y, pinTopZ + 0.004) + inHand, speedMPerS: c.fineSpeedMPerS)
        return Intent(legs: Self.shifted([lift], sideways: heldOffM), yawRad: alignedYaw, close: true)
      }
      let legs: [Leg]
      if nut.z > approachZ + 0.001 {
        // To the approach height only: the descent onto the pin is planned from a later look
        // (centring, and a pull's offset read by then), not run on from this one.
        legs = [
          Leg(
            tcpM: SIMD3(pin.x, pin.y, approachZ) + inHand, speedMPerS: pulled ? seat.speedMPerS : c.freeSpeedMPerS / 2)
        ]
      } else if !centred {
        // Centred at the height it is (at least 1 mm over the top), not lifted to the approach
        // height: a nut the pin took and the arm, its pull gone, sprang aside is still engaged
        // within 2 mm of the top; lifting it there freed it into the pull again (it swung across
        // the pin's top until the deadline).
        let z = min(max(nut.z, pinTopZ + 0.001), approachZ)
        legs = [Leg(tcpM: SIMD3(pin.x, pin.y, z) + inHand, speedMPerS: c.fineSpeedMPerS)]
      } else {
        legs = [seat]
      }
      return Intent(
        legs: Self.shifted(legs, sideways: heldOffM),
        yawRad: abs(o.splinePhaseDeg) > c.insertPhaseToleranceDeg ? alignedYaw : yawNow, close: true)
    case .releaseRetreat:
      // Open first, the hand held still where it is (from rest: continuing the arm's velocity
      // as it meets the seat carried the hand ~2 mm aside while the fingers opened, and the nut
      // was let go pushed sideways); once open, straight up clear of the pin.
      guard o.gripperWidthM >= c.openWidthM - 0.01 else {
        return Intent(
          legs: [Leg(tcpM: tcp, speedMPerS: c.fineSpeedMPerS)], yawRad: yawNow, close: false, fromRest: true)
      }
      let clearZ = max(tcp.z, pinTopZ + c.preGraspAboveM)
      return Intent(
        legs: [Leg(tcpM: SIMD3(tcp.x, tcp.y, clearZ), speedMPerS: c.freeSpeedMPerS)], yawRad: yawNow, close: false)
    default:
      return Intent(legs: [], yawRad: yawNow, close: o.holding)
    }
  }

  /// The chunk for an observation: step i is the path's point i × period into the move (at the
  /// leg's speed, slowing into the last goal), the wrist turned toward its goal at the turn rate,
  /// solved for the joints from the step before.
  ///
  /// `previous` is the chunk this planner last gave the same robot: when the observation falls
  /// inside it, in the same cycle step, and the arm is within `warmStartToleranceM` of it, the new
  /// plan starts from that chunk's reference at the observation's time (position and velocity),
  /// not from the measured joints — so consecutive chunks agree and control's blend between them
  /// stays small (planning from the measured state, which lags the reference, fed the tracking lag
  /// back into every plan).
  public func plan(_ o: PolicyObservation, previous: PolicyChunk? = nil) -> PolicyChunk {
    let c = config
    let measured = o.armJointPositionsRad
    let dt = Double(stepPeriodMs) / 1000
    // It plans for one 7-joint arm; anything else gets the joints held where they are.
    guard measured.count == 7, jointNames.count == 7 else {
      return PolicyChunk(
        modelVersion: Self.version, sequence: o.sequence, observedAtS: o.observedAtS,
        expiresAtS: o.observedAtS + Double(chunkSteps * stepPeriodMs) / 1000, stepPeriodMs: stepPeriodMs,
        jointNames: jointNames, gripperNames: gripperNames, cycleStep: o.cycleStep,
        steps: (0..<chunkSteps).map { _ in
          PolicyActionStep(
            jointPositionsRad: measured, gripperWidthsM: gripperNames.map { _ in o.gripperWidthM },
            gripForcesN: gripperNames.map { _ in c.gripForceN })
        })
    }
    var q0 = measured
    var q0Velocity = o.armJointVelocitiesRadPerS.count == 7 ? o.armJointVelocitiesRadPerS : []
    if let previous, previous.cycleStep == o.cycleStep, let reference = previous.reference(atS: o.observedAtS),
      reference.positionsRad.count == 7,
      Self.length(chain.tcpPositionM(reference.positionsRad) - chain.tcpPositionM(measured)) < c.warmStartToleranceM
    {
      q0 = reference.positionsRad
      q0Velocity = reference.velocitiesRadPerS
    }
    let frame = chain.tcpFrame(q0)
    let yawNow = atan2(frame.xAxis.y, frame.xAxis.x)
    // The TCP by forward kinematics (the same chain the inverse kinematics solves): where the
    // plan starts, and — from the measured joints — where the fingers really are for the goals.
    let tcp = c.armBaseInTorsoM + frame.positionM
    let tcpMeasured = c.armBaseInTorsoM + chain.tcpPositionM(measured)
    let closing = previous.map { $0.cycleStep == o.cycleStep && $0.steps.last?.gripperWidthsM.first == 0 } ?? false
    let tcpVelocityMeasured = tcpVelocityM(joints: measured, velocities: o.armJointVelocitiesRadPerS)
    // Held off by a steady force: read only while the arm is nearly still (moving, the reference
    // leads the measured TCP, and feeding that lead back made the nut swing across the pin).
    let offset = tcp - tcpMeasured
    let sidewaysSpeed = (tcpVelocityMeasured.x * tcpVelocityMeasured.x + tcpVelocityMeasured.y * tcpVelocityMeasured.y)
      .squareRoot()
    let smallOffset = (offset.x * offset.x + offset.y * offset.y).squareRoot() <= c.smallHeldOffM
    let still =
      Self.length(tcpVelocityMeasured) < c.heldOffSpeedMPerS
      || (smallOffset && sidewaysSpeed < c.heldOffSidewaysSpeedMPerS)
    let heldOff = c.compensatesSteadyPull && still ? offset : .zero
    let intent = intent(
      o, tcpM: tcpMeasured, tcpYawRad: yawNow, closing: closing, tcpVelocityMPerS: tcpVelocityMeasured,
      heldOffM: heldOff, referenceOffsetM: offset)
    var turn = intent.yawRad - yawNow
    turn = (turn + .pi).truncatingRemainder(dividingBy: 2 * .pi)
    if turn < 0 { turn += 2 * .pi }
    turn -= .pi
    var position = tcp
    // Continue the arm's motion: the TCP's velocity now (J q̇ by a finite difference), then at
    // most `accelerationMPerS2` of change per second toward the path.
    var velocity = intent.fromRest ? .zero : tcpVelocityM(joints: q0, velocities: q0Velocity)
    // Never continue faster than a free move (an arm flung by a disturbance is reined in).
    let speed = Self.length(velocity)
    if speed > c.freeSpeedMPerS { velocity *= c.freeSpeedMPerS / speed }
    var legIndex = 0
    var joints = q0
    let lower = (0..<7).map { min(c.jointMinRad[$0] + c.limitMarginRad, q0[$0]) }
    let upper = (0..<7).map { max(c.jointMaxRad[$0] - c.limitMarginRad, q0[$0]) }
    var steps: [PolicyActionStep] = []
    steps.reserveCapacity(chunkSteps)
    let width = intent.close ? 0 : c.openWidthM
    for i in 0..<chunkSteps {
      if i > 0 {
        while legIndex + 1 < intent.legs.count, Self.length(intent.legs[legIndex].tcpM - position) < c.legReachedM {
          legIndex += 1
        }
        var desired = SIMD3<Double>.zero
        if legIndex < intent.legs.count {
          let leg = intent.legs[legIndex]
          let toGoal = leg.tcpM - position
          let distance = Self.length(toGoal)
          // Slow into the leg's end to the next leg's speed (to a stop at the last).
          let exitSpeed = legIndex + 1 < intent.legs.count ? intent.legs[legIndex + 1].speedMPerS : 0
          let speed = min(
            leg.speedMPerS, (exitSpeed * exitSpeed + 2 * c.decelerationMPerS2 * distance).squareRoot(), distance / dt)
          if distance > 1e-9 { desired = toGoal * (speed / distance) }
        }
        var change = desired - velocity
        let most = c.accelerationMPerS2 * dt
        let size = Self.length(change)
        if size > most { change *= most / size }
        velocity += change
        position += velocity * dt
      }
      // The wrist turns along a smoothstep (at rest at both ends) at no more than the turn rate on
      // average; small turns are left alone (the pin's capture window takes ±4°).
      let turnS = max(abs(turn) / c.turnRateRadPerS, 0.2)
      let u = min(Double(i) * dt / turnS, 1)
      let yaw = abs(turn) < c.turnDeadbandRad ? yawNow : yawNow + turn * u * u * (3 - 2 * u)
      // Step 0 is where the arm was observed; each later step solves from the one before, no
      // faster than control allows (a slowed step leaves the rest of the path to later steps).
      if i > 0 {
        let previous = joints
        joints = chain.solve(
          from: joints, towardM: position - c.armBaseInTorsoM, yawRad: yaw, iterations: 3,
          restRad: c.restPostureRad, restGain: c.restGain, minRad: lower, maxRad: upper
        ).jointsRad
        // Scaled as a whole, so the joints keep moving together along the path.
        var scale = 1.0
        for j in 0..<7 {
          let most = c.jointSpeedMaxRadPerS[j] * c.speedFraction * dt
          let change = abs(joints[j] - previous[j])
          if change > most { scale = min(scale, most / change) }
        }
        if scale < 1 { for j in 0..<7 { joints[j] = previous[j] + (joints[j] - previous[j]) * scale } }
      }
      steps.append(PolicyActionStep(jointPositionsRad: joints, gripperWidthsM: [width], gripForcesN: [c.gripForceN]))
    }
    return PolicyChunk(
      modelVersion: Self.version, sequence: o.sequence, observedAtS: o.observedAtS,
      expiresAtS: o.observedAtS + Double(chunkSteps * stepPeriodMs) / 1000, stepPeriodMs: stepPeriodMs,
      jointNames: jointNames, gripperNames: gripperNames, cycleStep: o.cycleStep, steps: steps)
  }

  /// The TCP's velocity for joint velocities at joint positions (J q̇ by a 10 ms finite
  /// difference, arm-base frame); zero without 7 velocities.
  private func tcpVelocityM(joints: [Double], velocities: [Double]) -> SIMD3<Double> {
    guard velocities.count == 7, joints.count == 7 else { return .zero }
    let h = 0.01
    let ahead = chain.tcpPositionM((0..<7).map { joints[$0] + velocities[$0] * h })
    return (ahead - chain.tcpPositionM(joints)) / h
  }

  private static func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

  /// `legs` with their goals moved by `offset`'s sideways (x, y) part.
  static func shifted(_ legs: [Leg], sideways offset: SIMD3<Double>) -> [Leg] {
    legs.map { Leg(tcpM: $0.tcpM + SIMD3(offset.x, offset.y, 0), speedMPerS: $0.speedMPerS) }
  }
}
