import CycleSequencing
import NutPerception
import Foundation
import PolicyRuntime
import SwiftProtobuf
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime
import YieldKPI

extension RobotCycleRunner {
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
  func drive(
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
        return controlLost()
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
      let byName = Self.jointPositionsRad(state)
      let joints = Self.armJoints(byName)
      guard joints.count == 7 else {
        logger.error("control's state lacks the working arm's joints", metadata: ["robot": "\(robot.id)"])
        return .failed(.controlFault)
      }
      let tcp = config.layout.tcpInRobotM(armJointsRad: joints)
      var nut: SIMD3<Double>?
      // A camera's pose counts only when vision is confident in it (the hand over the nut hides
      // it from the feeder camera, and a wrong blob would throw the arm); touch's pose (in the
      // gripper frame, while carrying) counts when touch says the nut is held.
      let inGripper = Self.inGripperFrame(estimate)
      let trusted = inGripper ? config.touch && estimate.grasp.holding : Self.visionTrusted(estimate)
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
      if let inHand = nut, inGripper { nut = inHand + sway }
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

  /// The spline phase the policy sees: a camera's when vision is trusted; between looks (the
  /// hand hides the nut, touch cannot feel the spline) the last camera phase, turned with the
  /// wrist once the nut is held — the nut turns with the fingers, not before the grasp.
  func phaseForPolicy(
    _ estimate: Workcell_Perception_V1_StateEstimate, armJointsRad joints: [Double], context: inout CycleContext
  ) -> Double {
    let frame = ArmChain().tcpFrame(joints)
    let wristYaw = atan2(frame.xAxis.y, frame.xAxis.x)
    let held = estimate.grasp.holding
    if held, context.graspWristYawRad == nil { context.graspWristYawRad = wristYaw }
    if estimate.trustedModality == .vision, Self.visionTrusted(estimate) {
      context.cameraPhase = (estimate.splinePhaseDeg, wristYaw, held)
      return estimate.splinePhaseDeg
    }
    guard let reference = context.cameraPhase else { return estimate.splinePhaseDeg }
    guard held else { return reference.deg }
    let fromYaw = reference.held ? reference.wristYawRad : (context.graspWristYawRad ?? wristYaw)
    let turnedDeg = remainder(wristYaw - fromYaw, 2 * .pi) * 180 / .pi
    return NutGeometry.defaults.wrapPhaseDeg(reference.deg + turnedDeg)
  }

  /// The nut left the fingers without being seated: touch said so `holdLostReadings` times in a
  /// row (one frame without contact is not a drop).
  func holdLost(_ s: Snapshot, failure: FailureCode, misses: inout Int) -> StepEvent? {
    misses = s.estimate.grasp.holding ? 0 : misses + 1
    return misses >= Self.holdLostReadings ? .failed(failure) : nil
  }

  static let holdLostReadings = 3
}
