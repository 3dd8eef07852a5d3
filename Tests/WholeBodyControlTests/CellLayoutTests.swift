import CellWorld
import Testing
import WholeBodyControl

/// The cell's and the policy's picture of where the hand is — forward kinematics from the
/// measured joints plus the cell layout — must agree with the simulated arm, or every goal
/// test and every observation is off by the difference.
@Suite struct CellLayoutTests {
  @Test func toolCentrePointFromTheLayoutMatchesTheSimulatedArm() {
    var world = CellWorld(seed: 7, config: .defaults)
    var expert = ScriptedExpert(robot: 0, world: world)
    expert.startCycle()
    _ = world.presentNut(robot: 0)
    let layout = CellLayout.defaults
    var worst = 0.0
    for tick in 0..<4000 {
      expert.act(world: &world)
      world.step()
      guard tick % 200 == 0 else { continue }
      let q = world.trueJointPositionsRad(robot: 0)
      let arm = (0..<7).map { q[q.startIndex + RobotLayout.workingArm * 7 + $0] }
      let torso = RobotLayout.robotBaseM[0] + world.torsoOffsetM(robot: 0)
      let simulated = world.tcpPose(robot: 0).positionM - torso
      let computed = layout.tcpInRobotM(armJointsRad: arm)
      let d = simulated - computed
      worst = max(worst, (d * d).sum().squareRoot())
    }
    #expect(worst < 0.0005, "TCP from the layout and FK differs from the simulated arm by \(worst * 1000) mm")
  }

  @Test func theTorsoSwayFollowsTheArmsOnceSettled() {
    var world = CellWorld(seed: 3, config: .defaults)
    var expert = ScriptedExpert(robot: 0, world: world)
    expert.startCycle()
    _ = world.presentNut(robot: 0)
    var largest = 0.0
    var worstError = 0.0
    for tick in 0..<6000 {
      expert.act(world: &world)
      world.step()
      guard tick % 50 == 0 else { continue }
      let q = world.trueJointPositionsRad(robot: 0)
      let arms = (0..<14).map { q[q.startIndex + $0] }
      let estimate = CellLayout.steadyTorsoSwayM(armJointsRad: arms)
      let truth = world.torsoOffsetM(robot: 0)
      largest = max(largest, (truth * truth).sum().squareRoot())
      let d = estimate - truth
      worstError = max(worstError, (d.x * d.x + d.y * d.y).squareRoot())
    }
    // The sway is worth modelling (centimetres), and the steady estimate follows it within a few mm
    // while the expert moves at its normal speeds.
    #expect(largest > 0.005, "largest sway \(largest * 1000) mm")
    #expect(worstError < 0.006, "steady sway estimate off by up to \(worstError * 1000) mm (sway up to \(largest * 1000) mm)")
  }

  @Test func aNutInTheWorldFrameLandsInTheRobotFrame() {
    let layout = CellLayout.defaults
    let nut = layout.inRobotFrame(SIMD3(0.55, 0.65, 0.78), frame: "world", robot: "left", armJointsRad: [])
    #expect(nut == SIMD3(0.55, -0.35, 0.78))
    #expect(layout.inRobotFrame(.zero, frame: "world", robot: "nobody", armJointsRad: []) == nil)
    #expect(layout.inRobotFrame(.zero, frame: "camera_3", robot: "left", armJointsRad: []) == nil)
  }
}
