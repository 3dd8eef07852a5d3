import CycleSequencing
import EpisodeRecording
import Foundation
import GRPCCore
import Logging
import NutPerception
import PolicyRuntime
import SwiftProtobuf
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime
import YieldKPI

/// Carries out one robot's cycles: the pure `CycleSequence` decides what runs next and what a
/// cycle's verdict is; this runs each step against the fleet — plc-bridge for the feeder and
/// fixture handshakes, perception for every "where is the nut" and "how is it held", the policy
/// for motion (an action chunk per replanning period), control to track it — and turns what
/// came back into a step event.
struct RobotCycleRunner: Sendable {
  let config: CellConfig
  let robot: CellConfig.Robot
  let equipment: Workcell_Common_V1_EquipmentRef
  let peers: CellPeers
  let feed: RobotFeed
  let safety: SafetyWatch
  let clock: CellClock
  let slot: RobotSlot
  let logger: Logger

  /// The working arm's joints, in the order the policy and forward kinematics read them.
  static let armJointNames = (1...7).map { "right_arm_joint_\($0)" }
  static let gripperName = "right_gripper"
  /// Gripper opening when releasing a nut or clearing the hand (the expert's open width).
  static let openWidthM = 0.045

  /// What one cycle carries from step to step.
  struct CycleContext {
    var cycleID: String
    var modelVersion = ""
    var lastNutInRobotM: SIMD3<Double>?
    /// PART_TAKEN was confirmed to the feeder.
    var partTaken = false
    /// The last spline phase a camera measured, with the wrist's yaw then and whether the nut was
    /// held (touch cannot feel the spline: between camera looks the phase is carried forward).
    var cameraPhase: (deg: Double, wristYawRad: Double, held: Bool)?
    /// The wrist's yaw when touch first said the nut was held in this cycle.
    var graspWristYawRad: Double?
    /// When the cycle started (episode frames count from here).
    var startedAt = Date(timeIntervalSince1970: 0)
    /// Every replan of the cycle, for its episode (docs/episodes.md); kept in memory until the
    /// cycle ends, so the replan path does no I/O.
    var frames: [Episode.Frame] = []
    /// The cameras' images at every replan, one per frame (`--episodes-video`).
    var cameraImages = EpisodeCameraImages()
  }

  /// How a cycle ended: its verdict, the record for yield, and why the robot must stop (a safety
  /// event or a latched fault), if it must.
  struct Result: Sendable {
    var verdict: CycleVerdict
    var record: Workcell_Common_V1_CycleRecord
    var faultReason: String?
    /// The cycle as training data (nil when episodes are not recorded).
    var episode: Episode?
    /// Its cameras' images (nil unless recorded with video).
    var cameraImages: EpisodeCameraImages?
  }

  /// What an episode's `observation.state` holds, in order.
  static let episodeStateNames =
    armJointNames.map { "\($0).pos" } + [
      "\(gripperName).width", "nut.x", "nut.y", "nut.z", "nut.spline_phase_deg", "grasp.holding", "grasp.seated",
      "grasp.slipping", "confidence.vision", "confidence.tactile",
    ]
  /// What an episode's `action` holds, in order: step 0 of the chunk.
  static let episodeActionNames = armJointNames.map { "\($0).target" } + ["\(gripperName).target_width"]
  static let episodeTask = "Pick a self-tapping nut from the feeder and place it on the fixture's pin, spline aligned."

  /// One cycle, from the feeder request to the verdict. `started` hears of it first, with the
  /// record it would leave if the cell died now (aborted, `cell_restart`), for the journal.
  func runCycle(
    sequence: inout UInt64, started: (Workcell_Common_V1_CycleRecord) async -> Void = { _ in }
  ) async -> Result {
    let modelVersion = await activeModel()
    let startedAt = clock.now()
    var context = CycleContext(
      cycleID: CycleID.make(
        unixMilliseconds: UInt64(max(0, startedAt.timeIntervalSince1970 * 1000)),
        random: (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))))
    context.modelVersion = modelVersion
    context.startedAt = startedAt
    slot.update { $0.cycleID = context.cycleID }
    await started(interruptedRecord(context))
    var cycle = CycleSequence(plan: config.plan)
    var command = cycle.start(at: startedAt)
    var faultReason: String?
    while true {
      switch command {
      case .run(let step, let attempt, let deadline):
        let now = clock.now()
        slot.update {
          $0.step = step
          $0.stepStartedAt = now
        }
        let event = await perform(step, attempt: attempt, deadline: deadline, context: &context, sequence: &sequence)
        switch event {
        case .safetyStop: faultReason = "e-stop: the \(robot.side == .left ? "left" : "right") side's safety chain opened"
        case .failed(.plcFault): faultReason = "PLC fault on the \(robot.side == .left ? "left" : "right") side (reset it, then Start)"
        default: break
        }
        if event != .succeeded {
          logger.info(
            "step ended without success",
            metadata: ["cycle_id": "\(context.cycleID)", "step": "\(step.rawValue)", "attempt": "\(attempt)", "event": "\(event)"])
        }
        command = cycle.handle(event, at: clock.now())
      case .finish(let verdict):
        // A controller that went to fault during the cycle (a joint-bus watchdog, a fall, a
        // motion step's control_fault) halts the robot whatever step noticed first: cycling on
        // would fail every cycle at once (the arm cannot move, the hand keeps its nut, the feeder
        // presents no new one). The controller stays in fault until a Resume, so checking here
        // catches every case.
        if verdict.outcome != .ok, faultReason == nil, await feed.current()?.mode == .fault {
          faultReason = "control fault: \(feed.lastProgress?.detail ?? "the controller is in fault; see control's log")"
        }
        // After any failed cycle the hand is opened (a nut in it goes to the reject chute) and the
        // arm homed: the next cycle starts from the home posture, wherever this one left the arm.
        if verdict.outcome != .ok, faultReason == nil { await clearHand(&sequence) }
        let record = record(verdict, context: context)
        // The control trace joins the episode later (`executedTrace`), once the record is durable.
        return Result(
          verdict: verdict, record: record, faultReason: faultReason,
          episode: config.episodes == nil ? nil : episode(record, context: context),
          cameraImages: config.episodes != nil && config.episodesVideo ? context.cameraImages : nil)
      }
    }
  }

  // MARK: Steps

  private func perform(
    _ step: CycleStep, attempt: Int, deadline: Date, context: inout CycleContext, sequence: inout UInt64
  ) async -> StepEvent {
    if let stop = interruption() { return stop }
    switch step {
    case .requestPart:
      do {
        _ = try await peers.plcBridge.requestPart(.with { $0.side = robot.side }, options: options(until: deadline))
        return .succeeded
      } catch {
        return plcEvent(error)
      }

    case .perceivePart:
      // Only frames taken after the step started show the nut just presented (and, on a retry,
      // maybe without the glare or occlusion that spoiled the last look).
      let look = await look(CycleStep.perceivePart, capturedAfter: clock.now(), until: deadline)
      if look.outage { return .serviceUnavailable(.visionLost) }
      guard let estimate = look.estimate else {
        return clock.now() >= deadline ? .deadlinePassed : .failed(.visionLost)
      }
      guard estimate.hasNutPose, confidence(estimate, .vision) >= 0.5 else { return .failed(.visionLost) }
      return .succeeded

    case .reach:
      return await drive(.reach, policyPhase: .reach, deadline: deadline, context: &context, sequence: &sequence) { s in
        guard let nut = s.nutInRobotM else { return nil }
        return MotionGoals.reachDone(nutFromTcpM: nut - s.swayM - s.tcpInRobotM, sidewaysM: config.reachHandOverSidewaysM)
          ? .succeeded : nil
      }

    case .grasp:
      let event = await drive(.grasp, policyPhase: .grasp, deadline: deadline, context: &context, sequence: &sequence) { s in
        guard s.estimate.grasp.holding else { return nil }
        // The fingers have closed on the nut (the policy was trained to carry from here on).
        return .succeeded
      }
      guard event == .succeeded else { return event }
      // A re-grasp closes on the nut already taken: the feeder was told once.
      guard !context.partTaken else { return .succeeded }
      do {
        _ = try await peers.plcBridge.confirmPartTaken(.with { $0.side = robot.side }, options: options(until: deadline))
        context.partTaken = true
        return .succeeded
      } catch {
        return plcEvent(error)
      }

    case .graspCheck:
      guard config.touch else {
        // Vision only: nothing tells how the nut sits in the hand; only that the fingers hold something.
        return await feed.current().map(Self.graspFromGripper)?.holding == true ? .succeeded : .failed(.gripSlip)
      }
      let look = await look(CycleStep.graspCheck, capturedAfter: clock.now(), until: deadline)
      if look.outage { return .serviceUnavailable(.visionLost) }
      guard let estimate = look.estimate else {
        return clock.now() >= deadline ? .deadlinePassed : .failed(.gripSlip)
      }
      guard estimate.grasp.holding, !estimate.grasp.slipping else { return .failed(.gripSlip) }
      // How deep the nut sits along the fingers does not matter for the pin (the insert pushes
      // down); across the pads it does (the pin's lead-in takes 1.5 mm). Touch's contact centroid
      // across the pad's columns is that offset.
      guard config.tactileRefine else {
        return abs(estimate.grasp.contactCentroidXMm) <= config.graspToleranceMm ? .succeeded : .failed(.gripSlip)
      }
      let depthM = estimate.nutPose.frame.hasSuffix("gripper") ? estimate.nutPose.positionM.z : 0
      for iteration in 0..<config.refineIterations {
        if let stop = interruption() { return stop }
        do {
          let answer = try await peers.perception.refine(
            .with {
              $0.robot = equipment
              $0.goalNutInGripper = .with {
                $0.frame = Self.gripperName
                $0.positionM = .with { $0.z = depthM }
                $0.orientation = .with { $0.w = 1 }
              }
              $0.iteration = UInt32(iteration)
              // The phase against the pin is aligned later, over the pin: here only the seat counts.
              $0.toleranceMm = config.graspToleranceMm
              $0.toleranceDeg = 15
            }, options: options(until: deadline))
          logger.debug(
            "refine",
            metadata: [
              "iteration": "\(iteration)", "residual_mm": "\(answer.residualMm)", "residual_deg": "\(answer.residualDeg)",
              "converged": "\(answer.converged)", "seated": "\(answer.estimate.grasp.seated)",
              "nut_in_gripper_mm": "\(answer.estimate.nutPose.positionM.x * 1000), \(answer.estimate.nutPose.positionM.y * 1000), \(answer.estimate.nutPose.positionM.z * 1000)",
              "centroid_mm": "\(answer.estimate.grasp.contactCentroidXMm), \(answer.estimate.grasp.contactCentroidYMm)",
            ])
          if answer.converged { return .succeeded }
        } catch {
          logger.debug("refine failed", metadata: ["error": "\(error)"])
        }
        try? await clock.sleep(seconds: 0.05)
      }
      return .failed(.gripSlip)

    case .carry:
      var misses = 0
      return await drive(.carry, policyPhase: .carry, deadline: deadline, context: &context, sequence: &sequence) { s in
        if let lost = holdLost(s, failure: .gripSlip, misses: &misses) { return lost }
        guard let nut = s.nutInRobotM else { return nil }
        return MotionGoals.carryDone(nutFromPinM: nut - config.layout.pinSeatInRobotM) ? .succeeded : nil
      }

    case .align:
      // The policy turns the wrist while it carries (as the expert it learned from does); over
      // the pin the fixture camera checks the spline against the pin's teeth before the push.
      // Outside the capture window the insert would jam: look again once (a fresh frame), then
      // fail as spline_misaligned. Without a confident phase the check cannot judge: go on.
      let look = await look(CycleStep.align, capturedAfter: clock.now(), until: deadline)
      if look.outage { return .serviceUnavailable(.visionLost) }
      guard let estimate = look.estimate else {
        return clock.now() >= deadline ? .deadlinePassed : .succeeded
      }
      // Lost over the pin: the magnet took it (near the pin nothing else pulls).
      if config.touch, !estimate.grasp.holding { return .failed(.magneticPullOff) }
      guard confidence(estimate, .vision) >= 0.5 else { return .succeeded }
      return abs(estimate.splinePhaseDeg) <= config.alignCaptureDeg ? .succeeded : .failed(.splineMisaligned)

    case .insert:
      var misses = 0
      return await drive(.insert, policyPhase: .insert, deadline: deadline, context: &context, sequence: &sequence) { s in
        if await nutSeated(until: deadline) { return .succeeded }
        // Pulled out of the fingers next to the pin, and not seated: the magnet took it.
        return holdLost(s, failure: .magneticPullOff, misses: &misses)
      }

    case .releaseRetreat:
      let started = clock.now()
      return await drive(.releaseRetreat, policyPhase: .releaseRetreat, deadline: deadline, context: &context, sequence: &sequence) {
        s in
        s.at.timeIntervalSince(started) >= 0.5 && !s.estimate.grasp.holding ? .succeeded : nil
      }

    case .fasten:
      do {
        let clamp = try await peers.plcBridge.clamp(
          .with {
            $0.side = robot.side
            $0.seatWaitMs = 1000
          }, options: options(until: deadline))
        guard clamp.nutSeated else { return .failed(.nutNotSeated) }
        let fasten = try await peers.plcBridge.fasten(
          .with {
            $0.side = robot.side
            $0.program = 1
          }, options: options(until: deadline))
        _ = try await peers.plcBridge.releaseFixture(.with { $0.side = robot.side }, options: options(until: deadline))
        return .fastened(torqueNm: fasten.torqueNm, angleDeg: fasten.angleDeg, failure: fasten.ok ? nil : Self.failure(fasten.faultCode))
      } catch {
        return plcEvent(error)
      }

    case .report:
      return .succeeded
    }
  }

  /// What the step's goal test sees at one replanning instant.
  struct Snapshot {
    var at: Date
    var state: Workcell_Control_V1_RobotState
    var estimate: Workcell_Perception_V1_StateEstimate
    var armJointsRad: [Double]
    var tcpInRobotM: SIMD3<Double>
    /// The nut in the robot frame, from perception (or the TCP while touch says it is held and
    /// no pose came).
    var nutInRobotM: SIMD3<Double>?
    /// The torso's estimated sway (robot frame): the TCP is torso-relative, the nut is not.
    var swayM: SIMD3<Double>
  }

  /// Drives the arm with the policy until `goal` says the step is over: every replanning period
  /// it reads control's state and perception's estimate, asks the policy for a chunk and hands it
  /// to control. Ends with `.deadlinePassed` at the deadline, a safety stop, a stop request, a
  /// control fault, or `.policyTimeout` after three policy calls in a row failed.
  private func drive(
    _ step: CycleStep, policyPhase: Workcell_Common_V1_CycleStep, deadline: Date, context: inout CycleContext,
    sequence: inout UInt64, goal: (Snapshot) async -> StepEvent?
  ) async -> StepEvent {
    var policyFailures = 0
    var perceptionFailures = 0
    while true {
      if let stop = interruption() { return stop }
      if clock.now() >= deadline { return .deadlinePassed }
      guard let state = await feed.current() else {
        logger.warning("no state from control within 2 s", metadata: ["robot": "\(robot.id)"])
        return .failed(.controlFault)
      }
      if let problem = controlProblem(state) { return problem }
      let recordImages = config.episodes != nil && config.episodesVideo
      let (answered, perceptionDown) = await estimateResponse(
        Workcell_Common_V1_CycleStep(step), capturedAfter: nil, until: deadline, withImages: recordImages)
      guard let perceived = answered else {
        perceptionFailures += 1
        // Perception not answering at all is an outage (aborted, the robot holds for it); an
        // answer without a usable estimate is the cycle's vision_lost.
        if perceptionFailures >= 5 { return perceptionDown ? .serviceUnavailable(.visionLost) : .failed(.visionLost) }
        try? await clock.sleep(seconds: 0.05)
        continue
      }
      var estimate = perceived.estimate
      if !config.touch { estimate.grasp = Self.graspFromGripper(state) }
      perceptionFailures = 0
      var byName: [String: Double] = [:]
      for joint in state.joints { byName[joint.name] = joint.positionRad }
      let joints = Self.armJointNames.compactMap { byName[$0] }
      guard joints.count == 7 else {
        logger.error("control's state lacks the working arm's joints", metadata: ["robot": "\(robot.id)"])
        return .failed(.controlFault)
      }
      let tcp = config.layout.tcpInRobotM(armJointsRad: joints)
      var nut: SIMD3<Double>?
      // A camera's pose counts only when vision is confident in it (the hand over the nut hides
      // it from the feeder camera, and a wrong blob would throw the arm); touch's pose (in the
      // gripper frame, while carrying) counts when touch says the nut is held.
      let trusted =
        estimate.nutPose.frame.hasSuffix("gripper")
        ? config.touch && estimate.grasp.holding : confidence(estimate, .vision) >= 0.5
      if estimate.hasNutPose, trusted {
        let p = estimate.nutPose.positionM
        nut = config.layout.inRobotFrame(
          SIMD3(p.x, p.y, p.z), frame: estimate.nutPose.frame, robot: robot.id, armJointsRad: joints)
      }
      // Seen from the torso (where the policy was trained to look): the torso sways against
      // the arms' CoM shift, so the robot-frame nut moves the other way.
      let sway = CellLayout.steadyTorsoSwayM(armJointsRad: CellLayout.armJointNames.compactMap { byName[$0] })
      // Forward kinematics places the hand relative to the torso: a pose in the gripper's frame
      // lands in the robot frame with the torso's sway added.
      if nut != nil, estimate.nutPose.frame.hasSuffix("gripper") { nut! += sway }
      if nut == nil, estimate.grasp.holding { nut = tcp + sway }
      if nut == nil, [.reach, .grasp].contains(step) { nut = context.lastNutInRobotM }
      let now = state.hasMeasuredAt ? state.measuredAt.date : clock.now()
      let snapshot = Snapshot(
        at: now, state: state, estimate: estimate, armJointsRad: joints, tcpInRobotM: tcp, nutInRobotM: nut, swayM: sway)
      if logger.logLevel <= .debug {
        let d = nut.map { ($0 - sway - tcp) * 1000 }
        logger.debug(
          "motion",
          metadata: [
            "step": "\(step.rawValue)", "mode": "\(state.mode)", "nut_frame": "\(estimate.nutPose.frame)",
            "nut_minus_tcp_mm": "\(d.map { "(\(Int($0.x)), \(Int($0.y)), \(Int($0.z)))" } ?? "none")",
            "holding": "\(estimate.grasp.holding)", "phase_deg": "\(Int(estimate.splinePhaseDeg))",
            "nut_minus_pin_mm": "\(nut.map { p in let e = (p - config.layout.pinSeatInRobotM) * 1000; return "(\(Int(e.x)), \(Int(e.y)), \(Int(e.z)))" } ?? "none")",
            "gripper": "\(state.grippers.map { "\($0.name) \(Int($0.widthM * 1000)) mm \(Int($0.forceN)) N" })",
          ])
      }
      if let event = await goal(snapshot) { return event }
      guard let nutForPolicy = nut ?? context.lastNutInRobotM else { return .failed(.visionLost) }
      context.lastNutInRobotM = nutForPolicy

      var observed = estimate
      observed.splinePhaseDeg = phaseForPolicy(estimate, armJointsRad: joints, context: &context)
      observed.nutPose.positionM = .with {
        $0.x = nutForPolicy.x
        $0.y = nutForPolicy.y
        $0.z = nutForPolicy.z
      }
      if !estimate.hasNutPose { observed.nutPose.orientation = .with { $0.w = 1 } }
      observed.nutPose.frame = "robot"
      // "Seated" as the policy reads it (PolicyObservation.seated, the rule workcell-train's
      // observer uses too): held, not slipping, within the grasp tolerance across the pads;
      // perception's own flag also asks the depth to be within 1 mm.
      observed.grasp.seated = PolicyObservation.seated(
        holding: estimate.grasp.holding, slipping: estimate.grasp.slipping,
        acrossPadsM: estimate.grasp.contactCentroidXMm / 1000, toleranceM: config.graspToleranceMm / 1000)
      sequence += 1
      let observation = Workcell_Policy_V1_Observation.with {
        $0.robot = equipment
        $0.observedAt = state.hasMeasuredAt ? state.measuredAt : Google_Protobuf_Timestamp(date: clock.now())
        $0.sequence = sequence
        $0.joints = state.joints
        $0.gripperWidthsM = state.grippers.map(\.widthM)
        $0.estimate = observed
        $0.phase = policyPhase
        $0.cycleID = context.cycleID
      }
      do {
        let asked = clock.now()
        let answer = try await peers.policy.act(
          .with { $0.observation = observation },
          options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
        let chunk = answer.chunk
        context.modelVersion = chunk.modelVersion
        feed.send(chunk)
        if config.episodes != nil {
          context.frames.append(
            Self.episodeFrame(
              observation, armJointsRad: joints, chunk: chunk, step: step, since: context.startedAt,
              latencyMs: clock.now().timeIntervalSince(asked) * 1000, touch: config.touch,
              shadow: answer.hasShadow ? answer.shadow : nil))
          if recordImages { context.cameraImages.add(Self.episodeImages(perceived.cameraImages)) }
        }
        if logger.logLevel <= .trace, let first = chunk.steps.first, let last = chunk.steps.last {
          let tcp0 = config.layout.tcpInRobotM(armJointsRad: first.jointPositionsRad) - tcp
          let tcpN = config.layout.tcpInRobotM(armJointsRad: last.jointPositionsRad) - tcp
          logger.trace(
            "chunk",
            metadata: [
              "step0_minus_tcp_mm": "\(Int(tcp0.x * 1000)), \(Int(tcp0.y * 1000)), \(Int(tcp0.z * 1000))",
              "last_minus_tcp_mm": "\(Int(tcpN.x * 1000)), \(Int(tcpN.y * 1000)), \(Int(tcpN.z * 1000))",
              "observed_at": "\(chunk.observedAt.date.timeIntervalSince1970)", "now": "\(clock.now().timeIntervalSince1970)",
            ])
        }
        policyFailures = 0
      } catch {
        policyFailures += 1
        logger.warning("policy call failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
        if policyFailures >= 3 {
          // Not answering at all is an outage (the cycle is aborted, the robot holds until the
          // policy is back); answering with an error is the policy refusing this observation.
          return Self.isOutage(error) ? .serviceUnavailable(.policyTimeout) : .failed(.policyTimeout)
        }
      }
      do {
        try await clock.sleep(seconds: config.replanPeriodS)
      } catch {
        logger.error("cannot wait on the cell's clock", metadata: ["error": "\(error)"])
        return .failed(.other)
      }
    }
  }

  // MARK: Helpers

  /// The spline phase the policy sees: a camera's when vision is trusted; between looks (the
  /// hand hides the nut, touch cannot feel the spline) the last camera phase, turned with the
  /// wrist once the nut is held — the nut turns with the fingers, not before the grasp.
  private func phaseForPolicy(
    _ estimate: Workcell_Perception_V1_StateEstimate, armJointsRad joints: [Double], context: inout CycleContext
  ) -> Double {
    let frame = ArmChain().tcpFrame(joints)
    let wristYaw = atan2(frame.xAxis.y, frame.xAxis.x)
    let held = estimate.grasp.holding
    if held, context.graspWristYawRad == nil { context.graspWristYawRad = wristYaw }
    if estimate.trustedModality == .vision, confidence(estimate, .vision) >= 0.5 {
      context.cameraPhase = (estimate.splinePhaseDeg, wristYaw, held)
      return estimate.splinePhaseDeg
    }
    guard let reference = context.cameraPhase else { return estimate.splinePhaseDeg }
    guard held else { return reference.deg }
    let fromYaw = reference.held ? reference.wristYawRad : (context.graspWristYawRad ?? wristYaw)
    let turnedDeg = remainder(wristYaw - fromYaw, 2 * .pi) * 180 / .pi
    return NutGeometry.defaults.wrapPhaseDeg(reference.deg + turnedDeg)
  }

  /// The policy's active model, for records of cycles that never asked it for a chunk (they
  /// failed before the first motion); "none" if the policy cannot say.
  private func activeModel() async -> String {
    let answer = try? await peers.policy.listModels(.init(), options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
    return answer.map { $0.activeVersion.isEmpty ? "none" : $0.activeVersion } ?? "none"
  }

  /// A safety stop or a stop request, if one is pending.
  private func interruption() -> StepEvent? {
    if !safety.estopOK(robot.side) { return .safetyStop }
    if slot.snapshot.abortRequested { return .stopRequested }
    return nil
  }

  /// Control's mode as a step event when it cannot track.
  private func controlProblem(_ state: Workcell_Control_V1_RobotState) -> StepEvent? {
    switch state.mode {
    case .holding, .tracking: return nil
    case .stopping, .stopped: return state.safety.estopOk ? .failed(.controlFault) : .safetyStop
    default: return .failed(.controlFault)
    }
  }

  /// The nut left the fingers without being seated: touch said so `holdLostReadings` times in a
  /// row (one frame without contact is not a drop).
  private func holdLost(_ s: Snapshot, failure: FailureCode, misses: inout Int) -> StepEvent? {
    misses = s.estimate.grasp.holding ? 0 : misses + 1
    return misses >= Self.holdLostReadings ? .failed(failure) : nil
  }

  static let holdLostReadings = 3

  /// Perception's estimate for `phase`; nil when it could not give one.
  private func estimate(
    _ phase: Workcell_Common_V1_CycleStep, capturedAfter: Date?, until deadline: Date
  ) async -> Workcell_Perception_V1_StateEstimate? {
    await estimateResponse(phase, capturedAfter: capturedAfter, until: deadline, withImages: false).response?.estimate
  }

  /// Perception's answer for `phase`, with the cameras' newest images when `withImages`; nil when
  /// it could not give one, with whether that was because perception did not answer at all.
  private func estimateResponse(
    _ phase: Workcell_Common_V1_CycleStep, capturedAfter: Date?, until deadline: Date, withImages: Bool
  ) async -> (response: Workcell_Perception_V1_EstimateResponse?, outage: Bool) {
    do {
      return (try await peers.perception.estimate(
        .with {
          $0.robot = equipment
          $0.phase = phase
          if let capturedAfter { $0.capturedAfter = Google_Protobuf_Timestamp(date: capturedAfter) }
          $0.includeCameraImages = withImages
        }, options: options(until: deadline, cap: 2)), false)
    } catch {
      logger.debug("estimate failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
      return (nil, (error as? RPCError)?.code == .unavailable)
    }
  }

  /// Perception's camera images as an episode keeps them.
  static func episodeImages(_ images: [Workcell_Perception_V1_CameraImage]) -> [EpisodeCameraImages.Image] {
    images.map {
      .init(role: $0.role, camera: $0.camera, widthPx: Int($0.widthPx), heightPx: Int($0.heightPx), gray8: $0.gray8)
    }
  }

  /// Perception's estimate for `step`, or whether perception did not answer at all (an outage).
  private func look(
    _ step: CycleStep, capturedAfter: Date?, until deadline: Date
  ) async -> (estimate: Workcell_Perception_V1_StateEstimate?, outage: Bool) {
    let (response, outage) = await estimateResponse(
      Workcell_Common_V1_CycleStep(step), capturedAfter: capturedAfter, until: deadline, withImages: false)
    return (response?.estimate, outage)
  }

  private func confidence(_ estimate: Workcell_Perception_V1_StateEstimate, _ modality: Workcell_Perception_V1_Modality)
    -> Double
  {
    estimate.confidences.first { $0.modality == modality }?.confidence ?? 0
  }

  /// The fixture's NUT_SEATED input, through plc-bridge.
  private func nutSeated(until deadline: Date) async -> Bool {
    guard
      let io = try? await peers.plcBridge.getIO(.with { $0.side = robot.side }, options: options(until: deadline, cap: 1))
    else { return false }
    return io.devices.first { $0.device == .fixture }?.points.first { $0.name == "NUT_SEATED" }?.value == 1
  }

  /// A PLC call's error as a step event: a missed deadline is the step's timeout; an e-stop a
  /// safety stop; anything else a PLC fault.
  private func plcEvent(_ error: any Error) -> StepEvent {
    if !safety.estopOK(robot.side) { return .safetyStop }
    if let rpc = error as? RPCError, rpc.code == .deadlineExceeded { return .deadlinePassed }
    logger.warning("PLC handshake failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
    return .failed(.plcFault)
  }

  /// The fixture's fault code as the cycle's failure.
  static func failure(_ code: Workcell_Plc_V1_PlcFaultCode) -> FailureCode {
    switch code {
    case .nutNotSeated: .nutNotSeated
    case .crossThread: .crossThread
    case .torqueLow: .torqueLow
    case .torqueHigh: .torqueHigh
    case .heartbeatLost, .handshakeTimeout: .plcFault
    default: .other
    }
  }

  /// After a failed cycle: open the fingers where the arm is (the nut goes to the reject chute),
  /// home the arm, and open again at home if the fingers are still closed — control may refuse
  /// the first chunk (balance margin below its floor with the arm out), and a nut left in the hand
  /// keeps the feeder from presenting the next one (every later cycle would end vision_lost).
  private func clearHand(_ sequence: inout UInt64) async {
    await openHand(&sequence)
    // Options give every robot a control (CellOptions refuses a robot without one).
    do {
      _ = try await peers.controls[robot.id]?.home(
        .with { $0.robot = equipment }, options: .timeout(seconds: clock.wallTimeout(seconds: 20)))
    } catch {
      logger.warning("homing after a failed cycle failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
    }
    if let state = await feed.current(), let gripper = state.grippers.first(where: { $0.name == Self.gripperName }),
      gripper.widthM < Self.openWidthM - 0.005
    {
      logger.info("fingers still closed after homing; opening them at home", metadata: ["robot": "\(robot.id)"])
      await openHand(&sequence)
    }
  }

  /// Holds the arm where it is with the working gripper open for 0.6 s of cell time.
  private func openHand(_ sequence: inout UInt64) async {
    guard let state = await feed.current(), controlProblem(state) == nil else { return }
    let joints = Self.armJoints(state)
    guard joints.count == 7 else { return }
    let now = state.hasMeasuredAt ? state.measuredAt.date : clock.now()
    sequence += 1
    feed.send(
      .with {
        $0.robot = equipment
        $0.modelVersion = "cell-clear-hand"
        $0.observedAt = Google_Protobuf_Timestamp(date: now)
        $0.expiresAt = Google_Protobuf_Timestamp(date: now.addingTimeInterval(0.6))
        $0.stepPeriodMs = 20
        $0.chunkID = UUID().uuidString.lowercased()
        $0.sequence = sequence
        $0.jointNames = Self.armJointNames
        $0.gripperNames = [Self.gripperName]
        $0.steps = (0..<30).map { _ in
          .with {
            $0.jointPositionsRad = joints
            $0.gripperWidthsM = [Self.openWidthM]
            $0.gripForcesN = [20]
          }
        }
        $0.phase = .releaseRetreat
      })
    try? await clock.sleep(seconds: 0.6)
  }

  /// The grasp as the gripper alone tells it (no touch): holding when the working gripper
  /// presses with at least 5 N at an opening of at least 3 mm (closed on something, not on itself).
  static func graspFromGripper(_ state: Workcell_Control_V1_RobotState) -> Workcell_Perception_V1_GraspState {
    let gripper = state.grippers.first { $0.name == gripperName } ?? state.grippers.last
    let holding = (gripper?.forceN ?? 0) >= 5 && (gripper?.widthM ?? 0) >= 0.003
    return .with {
      $0.holding = holding
      $0.seated = holding
    }
  }

  static func armJoints(_ state: Workcell_Control_V1_RobotState) -> [Double] {
    var byName: [String: Double] = [:]
    for joint in state.joints { byName[joint.name] = joint.positionRad }
    return armJointNames.compactMap { byName[$0] }
  }

  /// Call options whose wall-clock timeout covers the time left to `deadline` on the cell's
  /// clock (at least 50 ms, at most `cap` seconds when given, plus 1 s of slack for a slow host).
  private func options(until deadline: Date, cap: Double? = nil) -> CallOptions {
    var seconds = max(deadline.timeIntervalSince(clock.now()), 0.05) + 1
    if let cap { seconds = min(seconds, cap) }
    return .timeout(seconds: clock.wallTimeout(seconds: seconds))
  }

  /// One replan as an episode frame: the observation the policy got (its working-arm joints,
  /// `armJointsRad`, in `armJointNames` order, as the replan read them), step 0 of its answer.
  static func episodeFrame(
    _ observation: Workcell_Policy_V1_Observation, armJointsRad: [Double], chunk: Workcell_Policy_V1_ActionChunk,
    step: CycleStep, since: Date, latencyMs: Double, touch: Bool, shadow: Workcell_Policy_V1_ShadowComparison? = nil
  ) -> Episode.Frame {
    let estimate = observation.estimate
    func confidence(_ modality: Workcell_Perception_V1_Modality) -> Double {
      estimate.confidences.first { $0.modality == modality }.map { Double($0.confidence) } ?? 0
    }
    let p = estimate.nutPose.positionM
    let state =
      armJointsRad + [
        observation.gripperWidthsM.first ?? 0, p.x, p.y, p.z, estimate.splinePhaseDeg,
        estimate.grasp.holding ? 1 : 0, estimate.grasp.seated ? 1 : 0, estimate.grasp.slipping ? 1 : 0,
        confidence(.vision), touch ? confidence(.tactile) : 0,
      ]
    var action: [Double] = []
    if let first = chunk.steps.first {
      let targets = Dictionary(zip(chunk.jointNames, first.jointPositionsRad), uniquingKeysWith: { a, _ in a })
      action = zip(armJointNames, armJointsRad).map { targets[$0] ?? $1 } + [first.gripperWidthsM.first ?? 0]
    }
    let observedAt = observation.observedAt.date
    return Episode.Frame(
      timeS: observedAt.timeIntervalSince(since), step: step.rawValue, state: state, action: action,
      modelVersion: chunk.modelVersion, latencyMs: latencyMs, sequence: observation.sequence,
      shadowVersion: shadow?.version, shadowDivergenceRad: shadow?.divergenceRad)
  }

  /// The finished cycle as an episode: its frames and what yield's record says of it.
  private func episode(_ record: Workcell_Common_V1_CycleRecord, context: CycleContext) -> Episode {
    func name(_ step: Workcell_Common_V1_CycleStep) -> String {
      let index = step.rawValue - 1
      return CycleStep.allCases.indices.contains(index) ? CycleStep.allCases[index].rawValue : "\(step)"
    }
    let outcome: String =
      switch record.outcome {
      case .ok: "ok"
      case .nok: "nok"
      default: "aborted"
      }
    return Episode(
      cycleID: record.cycleID, robot: robot.id, cell: config.cell, modelVersion: record.modelVersion,
      startedAt: context.startedAt, task: Self.episodeTask, replanHz: 1 / config.replanPeriodS,
      stateNames: Self.episodeStateNames, actionNames: Self.episodeActionNames, frames: context.frames,
      steps: record.steps.map {
        .init(
          step: name($0.step), startedS: $0.startedAt.date.timeIntervalSince(context.startedAt),
          durationMs: Int($0.durationMs), attempts: Int($0.attempts))
      },
      outcome: outcome, failureCode: record.failureCode.apiName ?? "",
      attempts: Int(record.attempts), cycleMs: Int(record.cycleMs))
  }

  /// What control executed from `startedAt` to `endedAt` (its loop's 50 Hz trace: one call per
  /// cycle), for the episode; nil when control cannot say (the episode is written without it).
  func executedTrace(from startedAt: Date, to endedAt: Date) async -> Episode.Trace? {
    guard let control = peers.controls[robot.id] else { return nil }
    let answer = try? await control.getTrace(
      .with {
        $0.robot = equipment
        $0.from = Google_Protobuf_Timestamp(date: startedAt)
        $0.to = Google_Protobuf_Timestamp(date: endedAt)
      }, options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
    return answer.flatMap { Self.episodeTrace($0, since: startedAt) }
  }

  /// The working arm's joints and gripper out of control's trace (nil when it lacks them).
  static func episodeTrace(_ answer: Workcell_Control_V1_GetTraceResponse, since startedAt: Date) -> Episode.Trace? {
    let joints = armJointNames.compactMap { answer.jointNames.firstIndex(of: $0) }
    guard joints.count == armJointNames.count, let gripper = answer.gripperNames.firstIndex(of: gripperName) else { return nil }
    let samples = answer.samples.filter {
      $0.positionRad.count == answer.jointNames.count && $0.velocityRadPerS.count == answer.jointNames.count
        && $0.commandedPositionRad.count == answer.jointNames.count && $0.gripperWidthM.count == answer.gripperNames.count
        && $0.commandedGripperWidthM.count == answer.gripperNames.count
    }
    func perJoint(_ values: (Workcell_Control_V1_TraceSample) -> [Double]) -> [Float] {
      samples.flatMap { sample in joints.map { Float(values(sample)[$0]) } }
    }
    return Episode.Trace(
      periodMs: Int(answer.periodMs), jointNames: armJointNames, gripperName: gripperName,
      timeS: samples.map { Float($0.measuredAt.date.timeIntervalSince(startedAt)) },
      positionRad: perJoint(\.positionRad), velocityRadPerS: perJoint(\.velocityRadPerS),
      commandedPositionRad: perJoint(\.commandedPositionRad),
      gripperWidthM: samples.map { Float($0.gripperWidthM[gripper]) },
      commandedGripperWidthM: samples.map { Float($0.commandedGripperWidthM[gripper]) })
  }

  /// The cycle record yield receives.
  /// The record a cycle leaves if the cell stops under it: aborted, `cell_restart`, ended when it
  /// started (the restart fills in when it found out).
  private func interruptedRecord(_ context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    .with {
      $0.cycleID = context.cycleID
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot.id
      $0.station = config.station
      $0.startedAt = Google_Protobuf_Timestamp(date: context.startedAt)
      $0.endedAt = $0.startedAt
      $0.outcome = .aborted
      $0.attempts = 1
      $0.failureCode = .cellRestart
      $0.modelVersion = context.modelVersion
      $0.idealCycleMs = UInt32(clamping: config.idealCycleMs)
    }
  }

  private func record(_ verdict: CycleVerdict, context: CycleContext) -> Workcell_Common_V1_CycleRecord {
    .with {
      $0.cycleID = context.cycleID
      $0.plant = config.plant
      $0.line = config.line
      $0.cell = config.cell
      $0.robot = robot.id
      $0.station = config.station
      $0.startedAt = Google_Protobuf_Timestamp(date: verdict.startedAt)
      $0.endedAt = Google_Protobuf_Timestamp(date: verdict.endedAt)
      $0.cycleMs = UInt32(clamping: max(0, verdict.cycleMs))
      $0.outcome = Workcell_Common_V1_CycleOutcome(verdict.outcome)
      $0.attempts = UInt32(clamping: verdict.attempts)
      $0.failureCode = verdict.failureCode.map(Workcell_Common_V1_FailureCode.init) ?? .unspecified
      if let torque = verdict.torqueNm { $0.torqueNm = torque }
      if let angle = verdict.angleDeg { $0.angleDeg = angle }
      $0.modelVersion = context.modelVersion
      $0.idealCycleMs = UInt32(clamping: config.idealCycleMs)
      $0.steps = verdict.timings.map { timing in
        .with {
          $0.step = Workcell_Common_V1_CycleStep(timing.step)
          $0.startedAt = Google_Protobuf_Timestamp(date: timing.startedAt)
          $0.durationMs = UInt32(clamping: timing.durationMs)
          $0.attempts = UInt32(clamping: timing.attempts)
        }
      }
    }
  }
}

extension Workcell_Common_V1_CycleStep {
  /// The proto step of a sequencer step (both list the steps in docs/architecture.md's order).
  init(_ step: CycleStep) {
    self = Self(rawValue: CycleStep.allCases.firstIndex(of: step)! + 1) ?? .unspecified
  }
}
