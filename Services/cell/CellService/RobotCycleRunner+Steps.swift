import CycleSequencing
import Foundation
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime
import YieldKPI

extension RobotCycleRunner {
  /// Runs one attempt of `step` against the fleet and says how it went: the handshakes with
  /// plc-bridge, perception's looks and checks, the motion steps through `drive` (`+Motion`).
  func perform(
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
      guard estimate.hasNutPose, Self.visionTrusted(estimate) else { return .failed(.visionLost) }
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
        guard let state = await feed.current() else { return controlLost() }
        return Self.graspFromGripper(state).holding ? .succeeded : .failed(.gripSlip)
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
      let depthM = Self.inGripperFrame(estimate) ? estimate.nutPose.positionM.z : 0
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
      guard Self.visionTrusted(estimate) else { return .succeeded }
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

    case .returnToNest:
      // Right after the grasp the fingers are still at the nest: opening them there puts the nut
      // back into it (the nest's guides centre it), and the re-grasp closes on it afresh.
      await openHand(&sequence)
      guard let state = await feed.current() else { return controlLost() }
      guard controlProblem(state) == nil else { return .failed(.controlFault) }
      return Self.fingersOpen(state) == true ? .succeeded : .failed(.gripSlip)

    case .liftOff:
      // Up off the pin's top, centred over the pin at the carry height (the policy's carry): the
      // align step then reads the spline's phase from the fixture camera afresh.
      var misses = 0
      return await drive(.liftOff, policyPhase: .carry, deadline: deadline, context: &context, sequence: &sequence) { s in
        if let lost = holdLost(s, failure: .magneticPullOff, misses: &misses) { return lost }
        guard let nut = s.nutInRobotM else { return nil }
        return nut.z - config.layout.pinSeatInRobotM.z >= Self.liftedClearM ? .succeeded : nil
      }

    case .report:
      return .succeeded
    }
  }

  /// How high over the pin's seat a lifted nut's centre is clear of the pin: its 12 mm, half the
  /// 8 mm nut and 6 mm of air.
  static let liftedClearM = 0.022
}
