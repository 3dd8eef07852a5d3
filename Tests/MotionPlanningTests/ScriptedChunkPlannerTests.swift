import CellWorld
import Foundation
import MotionPlanning
import PolicyRuntime
import Testing
import WholeBodyControl

@Suite("Scripted chunk planner")
struct ScriptedChunkPlannerTests {
  /// CellWorld's home posture of the working (right) arm.
  let home = RobotLayout.homeRad
  let layout = CellLayout.defaults

  func planner() -> ScriptedChunkPlanner {
    ScriptedChunkPlanner(
      config: .init(armBaseInTorsoM: layout.armBaseInRobotM), chunkSteps: 30, stepPeriodMs: 20,
      jointNames: (1...7).map { "right_arm_joint_\($0)" }, gripperNames: ["right_gripper"])
  }

  func observation(
    step: PolicyCycleStep, joints: [Double], nut: SIMD3<Double>, holding: Bool = false, phaseDeg: Double = 0,
    widthM: Double = 0.045
  ) -> PolicyObservation {
    PolicyObservation(
      sequence: 7, observedAtS: 100, armJointPositionsRad: joints, gripperWidthM: widthM, nutPositionInTorsoM: nut,
      tcpPositionInTorsoM: layout.tcpInRobotM(armJointsRad: joints), pinSeatInTorsoM: layout.pinSeatInRobotM,
      nutYawRad: 0, splinePhaseDeg: phaseDeg, holding: holding, seated: holding, cycleStep: step)
  }

  @Test("inverse kinematics puts the TCP on a reachable point, pointing down, within 0.5 mm")
  func inverseKinematics() {
    let chain = ArmChain()
    let start = chain.tcpPositionM(home)
    let goal = start + SIMD3(0.05, -0.04, -0.08)
    var q = home
    for _ in 0..<10 { q = chain.solve(from: q, towardM: goal, yawRad: 0.3).jointsRad }
    let reached = chain.tcpPositionM(q)
    #expect(((reached - goal) * (reached - goal)).sum().squareRoot() < 0.0005)
    let frame = chain.tcpFrame(q)
    #expect(frame.zAxis.z < -0.999)
    #expect(abs(atan2(frame.xAxis.y, frame.xAxis.x) - 0.3) < 0.01)
  }

  @Test("reach: the chunk heads for 60 mm above the nut at no more than the free speed, fingers open")
  func reachChunk() {
    let tcp = layout.tcpInRobotM(armJointsRad: home)
    let nut = tcp + SIMD3(0.10, 0.05, -0.20)
    let o = observation(step: .reach, joints: home, nut: nut)
    let chunk = planner().plan(o)
    #expect(chunk.steps.count == 30)
    #expect(chunk.modelVersion == ScriptedChunkPlanner.version)
    #expect(chunk.sequence == 7 && chunk.observedAtS == 100 && abs(chunk.expiresAtS - 100.6) < 1e-9)
    let positions = chunk.steps.map { layout.tcpInRobotM(armJointsRad: $0.jointPositionsRad) }
    let goal = nut + SIMD3(0, 0, 0.06)
    func distance(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }
    #expect(distance(positions.last!, goal) < distance(tcp, goal) - 0.15)
    for i in 1..<positions.count {
      #expect(distance(positions[i], positions[i - 1]) <= 0.35 * 0.02 + 0.001)
    }
    #expect(chunk.steps.allSatisfy { $0.gripperWidthsM == [0.045] })
  }

  @Test("grasp: fingers stay open beside the nut and close on it")
  func graspCloses() {
    let tcp = layout.tcpInRobotM(armJointsRad: home)
    let beside = planner().plan(observation(step: .grasp, joints: home, nut: tcp + SIMD3(0.004, 0, -0.02)))
    #expect(beside.steps.allSatisfy { $0.gripperWidthsM == [0.045] })
    let on = planner().plan(observation(step: .grasp, joints: home, nut: tcp + SIMD3(0.0005, 0, 0.001)))
    #expect(on.steps.allSatisfy { $0.gripperWidthsM == [0] })
  }

  @Test("grasp: a close under way survives one off-centre look (a reopening arriving late drops the nut) but not fingers closed on nothing")
  func graspKeepsClosing() {
    let tcp = layout.tcpInRobotM(armJointsRad: home)
    let planner = planner()
    let closing = planner.plan(observation(step: .grasp, joints: home, nut: tcp + SIMD3(0.0005, 0, 0.001)))
    #expect(closing.steps.allSatisfy { $0.gripperWidthsM == [0] })
    // 100 ms later perception puts the nut 4 mm aside; the fingers are half way closed.
    var look = observation(step: .grasp, joints: home, nut: tcp + SIMD3(0.004, 0, 0.001), widthM: 0.035)
    look.observedAtS += 0.1
    #expect(planner.plan(look, previous: closing).steps.allSatisfy { $0.gripperWidthsM == [0] })
    // Without a close under way the same look opens (and lines up again).
    #expect(planner.plan(look).steps.allSatisfy { $0.gripperWidthsM == [0.045] })
    // Fingers closed well past the nut's width without holding it: it missed, open again.
    look.gripperWidthM = 0.01
    #expect(planner.plan(look, previous: closing).steps.allSatisfy { $0.gripperWidthsM == [0.045] })
  }

  @Test("insert: a nut down the pin goes on to the seat whatever a look says sideways; one stalled on the pin's top off-centre is lifted")
  func insertOnThePin() {
    let pin = layout.pinSeatInRobotM
    func tcpZ(_ q: [Double]) -> Double { layout.tcpInRobotM(armJointsRad: q).z }
    // 10 mm above the seat (4 mm under the pin's top), 1.5 mm aside by perception's noise.
    let downThePin = observation(step: .insert, joints: home, nut: pin + SIMD3(0.0015, 0, 0.010), holding: true, widthM: 0.024)
    let pressing = planner().plan(downThePin)
    #expect(tcpZ(pressing.steps.last!.jointPositionsRad) < tcpZ(home) - 0.005)
    // Resting on the pin's top (16 mm above the seat), 3 mm aside, not moving: jammed, lift.
    let jammed = observation(step: .insert, joints: home, nut: pin + SIMD3(0.003, 0, 0.016), holding: true, widthM: 0.024)
    let lifting = planner().plan(jammed)
    #expect(tcpZ(lifting.steps.last!.jointPositionsRad) > tcpZ(home) + 0.002)
  }

  @Test("insert: a steady pull holding the still arm off its reference moves the goals by that offset, unless switched off")
  func steadyPullCompensation() {
    let pin = layout.pinSeatInRobotM
    func tcp(_ q: [Double]) -> SIMD3<Double> { layout.tcpInRobotM(armJointsRad: q) }
    // The last chunk's reference holds the arm at home; the arm stands ~2.5 mm aside of it (the
    // magnet's pull against control's compliance), still, with the nut 1 mm over the pin's top
    // (down the pin the offset is no longer a pull: `downThePinNotShifted`).
    var held = home
    held[0] += 0.008
    let offset = tcp(home) - tcp(held)
    #expect((offset.x * offset.x + offset.y * offset.y).squareRoot() > 0.002)
    let nut = SIMD3(pin.x, pin.y, pin.z + 0.017)
    func end(compensating: Bool) -> SIMD3<Double> {
      var config = ScriptedChunkPlanner.Config()
      config.compensatesSteadyPull = compensating
      let planner = ScriptedChunkPlanner(
        config: config, chunkSteps: 30, stepPeriodMs: 20, jointNames: (1...7).map { "right_arm_joint_\($0)" },
        gripperNames: ["right_gripper"])
      let previous = planner.plan(observation(step: .insert, joints: home, nut: nut, holding: true, widthM: 0.024))
      var o = observation(step: .insert, joints: held, nut: nut, holding: true, widthM: 0.024)
      o.observedAtS = previous.observedAtS
      return tcp(planner.plan(o, previous: previous).steps.last!.jointPositionsRad)
    }
    let shift = end(compensating: true) - end(compensating: false)
    // Sideways by the offset (within 1 mm: the slower descent and the inverse kinematics differ).
    #expect(abs(shift.x - offset.x) < 0.001 && abs(shift.y - offset.y) < 0.001, "shift \(shift), offset \(offset)")
  }

  /// A planner with `compensatesSteadyPull` set as given.
  func planner(compensating: Bool) -> ScriptedChunkPlanner {
    var config = ScriptedChunkPlanner.Config(armBaseInTorsoM: layout.armBaseInRobotM)
    config.compensatesSteadyPull = compensating
    return ScriptedChunkPlanner(
      config: config, chunkSteps: 30, stepPeriodMs: 20, jointNames: (1...7).map { "right_arm_joint_\($0)" },
      gripperNames: ["right_gripper"])
  }

  @Test(
    "insert: down the pin the goals are not moved by a held-off offset (the press's, not a pull), and the seat is pressed lightly"
  )
  func downThePinNotShifted() {
    let pin = layout.pinSeatInRobotM
    func tcp(_ q: [Double]) -> SIMD3<Double> { layout.tcpInRobotM(armJointsRad: q) }
    // As in `steadyPullCompensation`: the arm stands ~2.5 mm aside of the last chunk's reference,
    // still — but the nut is 6 mm down the pin (10 mm above the seat).
    var held = home
    held[0] += 0.008
    let nut = SIMD3(pin.x, pin.y, pin.z + 0.010)
    func end(compensating: Bool) -> SIMD3<Double> {
      let planner = planner(compensating: compensating)
      let previous = planner.plan(observation(step: .insert, joints: home, nut: nut, holding: true, widthM: 0.024))
      var o = observation(step: .insert, joints: held, nut: nut, holding: true, widthM: 0.024)
      o.observedAtS = previous.observedAtS
      return tcp(planner.plan(o, previous: previous).steps.last!.jointPositionsRad)
    }
    let shift = end(compensating: true) - end(compensating: false)
    #expect((shift.x * shift.x + shift.y * shift.y).squareRoot() < 0.0002, "shift \(shift)")
    // From 6 mm above the seat's height the hand goes down by 6 mm and 0.3 mm of press, not 1 mm.
    let start = tcp(home)
    let down =
      start.z
      - tcp(
        planner().plan(observation(step: .insert, joints: home, nut: nut, holding: true, widthM: 0.024)).steps.last!
          .jointPositionsRad
      ).z
    #expect(abs(down - (0.006 + 0.0003)) < 0.0003, "went down \(down) m")
  }

  @Test(
    "release: the fingers open with the hand held where it is, from rest (the arm's velocity as it met the seat is not continued)"
  )
  func releaseHoldsStill() {
    let pin = layout.pinSeatInRobotM
    func tcp(_ q: [Double]) -> SIMD3<Double> { layout.tcpInRobotM(armJointsRad: q) }
    var o = observation(
      step: .releaseRetreat, joints: home, nut: pin + SIMD3(0, 0, 0.004), holding: true, widthM: 0.024)
    // The arm bouncing off the seat: its joints still moving at ~0.1 rad/s.
    o.armJointVelocitiesRadPerS = [0.1, -0.1, 0.1, 0.1, 0, 0.1, 0]
    let chunk = planner().plan(o)
    #expect(chunk.steps.allSatisfy { $0.gripperWidthsM == [0.045] })
    let start = tcp(home)
    let most = chunk.steps.map { step -> Double in
      let d = tcp(step.jointPositionsRad) - start
      return (d * d).sum().squareRoot()
    }.max()!
    #expect(most < 0.0002, "the hand moved \(most) m while the fingers opened")
  }

  @Test(
    "insert: a nut off-centre just over the pin's top is centred at its height, not lifted to the approach height (an engaged nut would come free)"
  )
  func centresWithoutLifting() {
    let pin = layout.pinSeatInRobotM
    func tcp(_ q: [Double]) -> SIMD3<Double> { layout.tcpInRobotM(armJointsRad: q) }
    // 1 mm over the pin's top (17 mm above the seat), 3 mm aside: the arm sprang aside as the pin
    // took the nut and the magnet let go.
    let nut = pin + SIMD3(0.003, 0, 0.017)
    let chunk = planner().plan(observation(step: .insert, joints: home, nut: nut, holding: true, widthM: 0.024))
    let end = tcp(chunk.steps.last!.jointPositionsRad)
    let start = tcp(home)
    #expect(abs(end.z - start.z) < 0.0005, "rose \(end.z - start.z) m")
    #expect(abs(end.x - (start.x - 0.003)) < 0.0005 && abs(end.y - start.y) < 0.0005, "moved \(end - start)")
  }

  @Test(
    "insert: an arm held off sideways on the way down (a strong magnet) slows the approach, unless compensation is off")
  func pulledApproachSlows() {
    let pin = layout.pinSeatInRobotM
    func tcp(_ q: [Double]) -> SIMD3<Double> { layout.tcpInRobotM(armJointsRad: q) }
    var held = home
    held[0] += 0.008
    // 40 mm above the seat (21 over the approach height), moving (not still): the offset is read
    // on the way down only to slow it.
    let nut = SIMD3(pin.x, pin.y, pin.z + 0.040)
    func descent(compensating: Bool) -> Double {
      let planner = planner(compensating: compensating)
      let previous = planner.plan(observation(step: .insert, joints: home, nut: nut, holding: true, widthM: 0.024))
      var o = observation(step: .insert, joints: held, nut: nut, holding: true, widthM: 0.024)
      o.observedAtS = previous.observedAtS
      o.armJointVelocitiesRadPerS = [0, 0.3, 0, 0.3, 0, 0, 0]
      let chunk = planner.plan(o, previous: previous)
      return tcp(chunk.steps.first!.jointPositionsRad).z - tcp(chunk.steps.last!.jointPositionsRad).z
    }
    let pulled = descent(compensating: true)
    let free = descent(compensating: false)
    #expect(pulled < free - 0.002, "down \(pulled) m pulled, \(free) m free")
  }

  @Test("carry: the wrist turns by minus the spline phase while the held nut heads over the pin")
  func carryTurns() {
    let chain = ArmChain()
    let tcp = layout.tcpInRobotM(armJointsRad: home)
    let frame = chain.tcpFrame(home)
    let yaw0 = atan2(frame.xAxis.y, frame.xAxis.x)
    let o = observation(step: .carry, joints: home, nut: tcp, holding: true, phaseDeg: 10, widthM: 0.024)
    let chunk = planner().plan(o)
    let last = chain.tcpFrame(chunk.steps.last!.jointPositionsRad)
    let yaw = atan2(last.xAxis.y, last.xAxis.x)
    #expect(abs((yaw - yaw0) - (-10 * Double.pi / 180)) < 0.01)
    #expect(chunk.steps.allSatisfy { $0.gripperWidthsM == [0] })
    let pin = layout.pinSeatInRobotM
    let end = layout.tcpInRobotM(armJointsRad: chunk.steps.last!.jointPositionsRad)
    let before = ((tcp.x - pin.x) * (tcp.x - pin.x) + (tcp.y - pin.y) * (tcp.y - pin.y)).squareRoot()
    let after = ((end.x - pin.x) * (end.x - pin.x) + (end.y - pin.y) * (end.y - pin.y)).squareRoot()
    #expect(after < before || after < 0.001)
  }

  @Test("a replan inside the last chunk starts from that chunk's reference, not from the lagging measured joints")
  func warmStart() {
    let tcp = layout.tcpInRobotM(armJointsRad: home)
    let nut = tcp + SIMD3(0.10, 0.05, -0.20)
    let planner = planner()
    let first = planner.plan(observation(step: .reach, joints: home, nut: nut))
    // 100 ms later the arm is a little behind step 5 of the first chunk.
    let reference = first.steps[5].jointPositionsRad
    let lagging = (0..<7).map { home[$0] + (reference[$0] - home[$0]) * 0.8 }
    var later = observation(step: .reach, joints: lagging, nut: nut)
    later.observedAtS = first.observedAtS + 0.1
    let second = planner.plan(later, previous: first)
    #expect(zip(second.steps[0].jointPositionsRad, reference).allSatisfy { abs($0 - $1) < 1e-12 })
    // Without the last chunk (or in another step) it starts where the joints are.
    #expect(planner.plan(later).steps[0].jointPositionsRad == lagging)
    var otherStep = later
    otherStep.cycleStep = .grasp
    #expect(planner.plan(otherStep, previous: first).steps[0].jointPositionsRad == lagging)
  }

  @Test("an observation that is not one 7-joint arm gets the joints held, not a crash")
  func wrongArm() {
    var o = observation(step: .reach, joints: home, nut: SIMD3(0.5, -0.3, 0.8))
    o.armJointPositionsRad = Array(home.prefix(6))
    let chunk = planner().plan(o)
    #expect(chunk.steps.count == 30)
    #expect(chunk.steps.allSatisfy { $0.jointPositionsRad == Array(home.prefix(6)) })
  }
}
