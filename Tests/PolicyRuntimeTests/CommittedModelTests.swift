import CellWorld
import Foundation
import Testing

@testable import PolicyRuntime

/// The committed models load and imitate the expert: the default (models/policy/wc-mlp-2, Swift
/// trainer) and the one training/train_policy.py wrote (wc-mlp-torch-2, PyTorch).
@Suite struct CommittedModelTests {
  static let versions = ["wc-mlp-2", "wc-mlp-torch-2"]

  static func modelBytes(_ version: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let url = root.appendingPathComponent("models/policy/\(version).safetensors")
    return [UInt8](try Data(contentsOf: url))
  }

  @Test(arguments: versions) func loadsWithItsArchitecture(version: String) throws {
    let bytes = try Self.modelBytes(version)
    #expect(bytes.count < 2_000_000)
    let model = try PolicyModel(bytes: bytes)
    #expect(model.architecture.version == version)
    #expect(model.architecture.chunkSteps == 30)
    #expect(model.architecture.stepPeriodMs == 20)
  }

  @Test(arguments: versions) func followsTheExpertWhileCarrying(version: String) throws {
    let model = try PolicyModel(bytes: try Self.modelBytes(version))
    var config = CellWorldConfig.withoutFailures
    config.robotCount = 1
    config.cameraHz = 0
    config.tactileHz = 0
    config.imuHz = 0
    var world = CellWorld(seed: 3, config: config)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.presentNut(robot: 0)
    expert.startCycle()
    // Run the expert to 100 ms into the carry: the arm is moving fast there.
    var carryTicks = 0
    while carryTicks < 100, world.stepIndex < 10_000 {
      expert.act(world: &world)
      world.step()
      if expert.phaseName == "carry" { carryTicks += 1 }
    }
    try #require(expert.phaseName == "carry")
    let truth = world.truth(robot: 0)
    let torso = RobotLayout.robotBaseM[0] + world.torsoOffsetM(robot: 0)
    let q = world.trueJointPositionsRad(robot: 0)
    let joints = (0..<7).map { q[q.startIndex + 7 + $0] }
    let observation = PolicyObservation(
      sequence: 1, observedAtS: world.simTimeS, armJointPositionsRad: joints,
      gripperWidthM: world.gripperWidthM(robot: 0), nutPositionInTorsoM: truth.nutPositionM - torso,
      tcpPositionInTorsoM: world.tcpPose(robot: 0).positionM - torso, pinSeatInTorsoM: world.pinSeatM(robot: 0) - torso,
      nutYawRad: truth.nutYawRad, splinePhaseDeg: truth.splinePhaseErrorDeg, holding: true, seated: true,
      cycleStep: .carry)
    let chunk = model.act(observation)
    // The expert's next 30 steps, every 20 ms.
    var modelSquared = 0.0
    var stillSquared = 0.0
    for step in 0..<chunk.steps.count {
      let now = world.trueJointPositionsRad(robot: 0)
      for j in 0..<7 {
        let expertRad = now[now.startIndex + 7 + j]
        modelSquared += pow(chunk.steps[step].jointPositionsRad[j] - expertRad, 2)
        stillSquared += pow(joints[j] - expertRad, 2)
      }
      // Closed gripper while carrying.
      #expect(chunk.steps[step].gripperWidthsM[0] < 0.015)
      for _ in 0..<20 {
        expert.act(world: &world)
        world.step()
      }
    }
    let modelRms = (modelSquared / Double(chunk.steps.count * 7)).squareRoot()
    let stillRms = (stillSquared / Double(chunk.steps.count * 7)).squareRoot()
    // Loose: within 0.05 rad RMS of the expert, and far better than standing still.
    #expect(modelRms < 0.05)
    #expect(modelRms < 0.5 * stillRms)
  }
}
