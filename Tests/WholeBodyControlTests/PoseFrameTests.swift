import Testing
import WholeBodyControl

/// The frame names perception, cell-sim and the cell put in `Pose.frame`, read as typed frames.
@Suite struct PoseFrameTests {
  @Test(
    "a frame name reads as its frame",
    arguments: [
      ("torso", PoseFrame.torso), ("robot", .robot), ("world", .world), ("", .world), ("right_gripper", .gripper),
      ("left_gripper", .gripper), ("gripper", .gripper), ("right_gripper_tip", .unknown), ("Robot", .unknown),
      ("camera", .unknown),
    ])
  func frameName(_ name: String, _ frame: PoseFrame) {
    #expect(PoseFrame(name: name) == frame)
  }

  @Test("a position in an unknown frame is not placed; a gripper frame needs the arm's joints")
  func placement() {
    let layout = CellLayout.defaults
    let p = SIMD3(0.1, 0.2, 0.3)
    #expect(layout.inRobotFrame(p, frame: "camera", robot: "left", armJointsRad: []) == nil)
    #expect(layout.inRobotFrame(p, frame: "right_gripper", robot: "left", armJointsRad: [0, 0, 0]) == nil)
    #expect(layout.inRobotFrame(p, frame: "robot", robot: "left", armJointsRad: []) == p)
    #expect(layout.inRobotFrame(p, frame: "", robot: "left", armJointsRad: []) == p - SIMD3(0, 1.0, 0))
  }
}
