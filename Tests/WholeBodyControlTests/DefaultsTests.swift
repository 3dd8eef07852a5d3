import CellWorld
import JointBus
import Testing
@testable import WholeBodyControl

@Suite("defaults match the simulated cell's robot")
struct DefaultsTests {
  @Test("joint limits, gains and joint model are CellWorld's RobotLayout, both arms, bus order")
  func limitsMatchCellWorld() {
    let limits = JointLimits.defaults
    let gains = JointGains.defaults
    #expect(limits.jointCount == JointBus.jointCount && limits.jointCount == RobotLayout.jointCount)
    func both(_ values: [Double]) -> [Double] { values + values }
    #expect(limits.positionMinRad == both(RobotLayout.positionMinRad))
    #expect(limits.positionMaxRad == both(RobotLayout.positionMaxRad))
    #expect(limits.velocityMaxRadPerS == both(RobotLayout.velocityMaxRadPerS))
    #expect(limits.torqueMaxNm == both(RobotLayout.torqueMaxNm))
    #expect(limits.gripperMaxWidthM == RobotLayout.gripperMaxWidthM)
    #expect(limits.gripperMaxForceN == RobotLayout.gripperMaxForceN)
    #expect(gains.kpNmPerRad == both(RobotLayout.holdKp))
    #expect(gains.kdNmSPerRad == both(RobotLayout.holdKd))
    #expect(gains.inertiaKgM2 == both(RobotLayout.inertiaKgM2))
    #expect(gains.dampingNmSPerRad == both(RobotLayout.dampingNmSPerRad))
    #expect(WholeBodyController.Config.defaults.homeRad == both(RobotLayout.homeRad))
  }

  @Test("the balance model is CellWorld's BalanceModel and arm layout")
  func balanceMatchesCellWorld() {
    let ours = BalanceConfig.defaults
    let world = BalanceModel.defaults
    #expect(ours.massKg == world.massKg && ours.armMassKg == world.armMassKg && ours.comHeightM == world.comHeightM)
    #expect(ours.supportXM == world.supportXM && ours.supportYM == world.supportYM)
    #expect(ours.armBaseM == RobotLayout.armBaseM)
    for (x, y) in [(0.0, 0.0), (0.13, 0.1), (-0.2, 0.3)] {
      #expect(ours.marginM(x: x, y: y) == world.margin(x: x, y: y))
    }
  }
}
