import CellWorld
import JointBus
import MotionPlanning
import PolicyRuntime
import RobotDescription
import Testing
import WholeBodyControl

/// Every reader of the robot description — control's limits, gains, balance and kinematics, the
/// policy's features and layout, the scripted planner, the simulated world's layout, arm and
/// body, the joint bus's sizes — agrees with it: one robot, not several that happen to match.
@Suite("every consumer agrees with the robot description")
struct RobotDescriptionAgreementTests {
  let robot = RobotDescription.reference

  @Test("joint and gripper names, bus order")
  func names() {
    #expect(robot.jointNames == (1...7).map { "left_arm_joint_\($0)" } + (1...7).map { "right_arm_joint_\($0)" })
    #expect(robot.gripperNames == ["left_gripper", "right_gripper"])
    #expect(robot.workingArmJointNames == Array(robot.jointNames[7..<14]))
    #expect(JointLimits.defaults.jointNames == robot.jointNames)
    #expect(JointLimits.defaults.gripperNames == robot.gripperNames)
    #expect(CellLayout.armJointNames == robot.jointNames)
    #expect(PolicyFeatures.armJointNames == robot.workingArmJointNames)
    #expect(PolicyFeatures.armJointCount == robot.jointsPerArm)
    #expect(PolicyFeatures.gripperName == robot.workingGripperName)
    #expect(Array(PolicyFeatures.names.prefix(8)) == robot.workingArmJointNames.map { "\($0).position_rad" } + ["right_gripper.width_m"])
  }

  @Test("the joint bus carries every joint and gripper")
  func jointBusSizes() {
    #expect(JointBus.jointCount == robot.jointCount && JointBus.gripperCount == robot.gripperCount)
    #expect(RobotLayout.jointCount == robot.jointCount && RobotLayout.gripperCount == robot.gripperCount)
  }

  @Test("control's limits, gains, home and balance")
  func control() {
    let limits = JointLimits.defaults
    let arm = robot.arm
    #expect(limits.positionMinRad == robot.everyArm(arm.positionMinRad))
    #expect(limits.positionMaxRad == robot.everyArm(arm.positionMaxRad))
    #expect(limits.velocityMaxRadPerS == robot.everyArm(arm.velocityMaxRadPerS))
    #expect(limits.accelerationMaxRadPerS2 == robot.everyArm(arm.accelerationMaxRadPerS2))
    #expect(limits.torqueMaxNm == robot.everyArm(arm.torqueMaxNm))
    #expect(limits.gripperMaxWidthM == robot.gripper.maxWidthM && limits.gripperMaxForceN == robot.gripper.maxForceN)
    let gains = JointGains.defaults
    #expect(gains.kpNmPerRad == robot.everyArm(arm.holdKpNmPerRad))
    #expect(gains.kdNmSPerRad == robot.everyArm(arm.holdKdNmSPerRad))
    #expect(gains.inertiaKgM2 == robot.everyArm(arm.inertiaKgM2))
    #expect(gains.dampingNmSPerRad == robot.everyArm(arm.dampingNmSPerRad))
    #expect(WholeBodyController.Config.defaults.homeRad == robot.everyArm(arm.homeRad))
    let balance = BalanceConfig.defaults
    #expect(balance.massKg == robot.body.massKg && balance.armMassKg == robot.body.armMassKg)
    #expect(balance.comHeightM == robot.body.comHeightM)
    #expect(balance.supportXM == robot.body.supportXM && balance.supportYM == robot.body.supportYM)
    #expect(balance.armBaseM == robot.layout.armBaseInRobotM)
    #expect(balance.referencePostureRad == robot.everyArm(arm.homeRad))
  }

  @Test("the policy's and the cell's layout")
  func layout() {
    let layout = CellLayout.defaults
    #expect(layout.robotBaseInWorldM == ["left": SIMD3(0, 1, 0), "right": SIMD3(0, -1, 0)])
    for (index, id) in robot.layout.robotIDs.enumerated() {
      #expect(layout.robotBaseInWorldM[id] == robot.layout.robotBaseInWorldM[index])
    }
    #expect(layout.armBaseInRobotM == robot.layout.armBaseInRobotM[robot.workingArm])
    #expect(layout.pinSeatInRobotM == robot.layout.pinSeatInRobotM)
    let planner = ScriptedChunkPlanner.Config()
    #expect(planner.armBaseInTorsoM == robot.layout.armBaseInRobotM[robot.workingArm])
    #expect(planner.restPostureRad == robot.arm.homeRad)
    #expect(planner.jointMinRad == robot.arm.positionMinRad && planner.jointMaxRad == robot.arm.positionMaxRad)
    #expect(planner.jointSpeedMaxRadPerS == robot.arm.velocityMaxRadPerS)
  }

  @Test("the simulated world's robot")
  func simulatedWorld() {
    let arm = robot.arm
    #expect(RobotLayout.robotBaseM == robot.layout.robotBaseInWorldM)
    #expect(RobotLayout.armBaseM == robot.layout.armBaseInRobotM)
    #expect(RobotLayout.pickPositionM == robot.layout.pickPositionInRobotM)
    #expect(RobotLayout.pinSeatM == robot.layout.pinSeatInRobotM)
    #expect(RobotLayout.workingArm == robot.workingArm)
    #expect(RobotLayout.positionMinRad == arm.positionMinRad && RobotLayout.positionMaxRad == arm.positionMaxRad)
    #expect(RobotLayout.velocityMaxRadPerS == arm.velocityMaxRadPerS && RobotLayout.torqueMaxNm == arm.torqueMaxNm)
    #expect(RobotLayout.inertiaKgM2 == arm.inertiaKgM2 && RobotLayout.dampingNmSPerRad == arm.dampingNmSPerRad)
    #expect(RobotLayout.holdKp == arm.holdKpNmPerRad && RobotLayout.holdKd == arm.holdKdNmSPerRad)
    #expect(RobotLayout.homeRad == arm.homeRad && RobotLayout.encoderStepRad == arm.encoderStepRad)
    #expect(RobotLayout.gripperMaxWidthM == robot.gripper.maxWidthM)
    #expect(RobotLayout.gripperMaxForceN == robot.gripper.maxForceN)
    let kinematics = ArmKinematics.defaults
    #expect(kinematics.aM == arm.chain.aM && kinematics.dM == arm.chain.dM)
    #expect(kinematics.alphaRad == arm.chain.alphaRad && kinematics.toolOffsetM == arm.chain.toolOffsetM)
    let body = BalanceModel.defaults
    #expect(body.massKg == robot.body.massKg && body.armMassKg == robot.body.armMassKg)
    #expect(body.comHeightM == robot.body.comHeightM)
    #expect(body.supportXM == robot.body.supportXM && body.supportYM == robot.body.supportYM)
    let estimate = BalanceConfig.defaults
    for (x, y) in [(0.0, 0.0), (0.13, 0.1), (-0.2, 0.3), (0.5, -0.5)] {
      let margin = robot.body.supportMarginM(x: x, y: y)
      #expect(body.margin(x: x, y: y) == margin && estimate.marginM(x: x, y: y) == margin)
    }
    #expect(abs(robot.body.supportMarginM(x: 0.02, y: 0) - 0.12) < 1e-12)
    #expect(abs(robot.body.supportMarginM(x: 0.24, y: 0) + 0.10) < 1e-12, "outside: the distance to the edge, negative")
  }

  @Test("control's and the world's forward kinematics are the same chain and tool frame")
  func kinematicsAgree() {
    let chain = ArmChain()
    let world = ArmKinematics.defaults
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<50 {
      let q = (0..<7).map { Double.random(in: robot.arm.positionMinRad[$0]...robot.arm.positionMaxRad[$0], using: &generator) }
      let ours = chain.tcpFrame(q)
      let theirs = q.withUnsafeBufferPointer { world.forward($0.baseAddress!) }
      let d = ours.positionM - theirs.positionM
      #expect((d * d).sum().squareRoot() < 1e-12)
      let z = ours.zAxis - theirs.rotation.z
      #expect((z * z).sum().squareRoot() < 1e-12)
    }
    // At home the tool points straight down.
    #expect(abs(chain.tcpFrame(robot.arm.homeRad).zAxis.z + 1) < 1e-3)
  }
}
