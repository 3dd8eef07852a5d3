import Foundation
import PolicyRuntime
import Testing

@testable import WorkcellTrain

@Suite struct DatasetExportTests {
  @Test func actionNamesFollowTheChunkLayout() {
    let names = DatasetExport.actionNames(
      chunkSteps: 30, jointNames: (1...7).map { "right_arm_joint_\($0)" }, gripperNames: ["right_gripper"])
    #expect(names.count == 270)
    #expect(names[0] == "step_00.right_arm_joint_1.delta_rad")
    #expect(names[7] == "step_00.right_gripper.width_m")
    #expect(names[8] == "step_00.right_gripper.force_n")
    #expect(names[9] == "step_01.right_arm_joint_1.delta_rad")
    #expect(names[269] == "step_29.right_gripper.force_n")
    #expect(Set(names).count == names.count)
  }

  /// Two episodes whose rows interleave in the demonstrations (a cycle and its perturbed copies)
  /// are written one after the other, each row's features and targets together.
  @Test func stagingWritesEpisodesInOrderWithTheirRows() throws {
    let chunkSteps = 1
    var d = Demonstrations()
    for row in 0..<4 {
      d.features += (0..<PolicyFeatures.count).map { Float(row * 100 + $0) }
      d.targets += (0..<9).map { Float(row * 1000 + $0) }
      d.sampleSeeds.append(5)
    }
    d.episodes = [
      DemonstrationEpisode(
        seed: 5, cycleInSeed: 0, source: .expert, perturbed: false, outcome: "fastened", rows: [0, 2]),
      DemonstrationEpisode(
        seed: 5, cycleInSeed: 0, source: .expert, perturbed: true, outcome: "fastened", rows: [1, 3]),
    ]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try DatasetExport.writeStaging(
      d,
      description: .init(
        chunkSteps: chunkSteps, stepPeriodMs: 20, jointNames: (1...7).map { "j\($0)" }, gripperNames: ["g"],
        provenance: ["k": "v"]),
      to: directory)
    let observation = try Data(contentsOf: URL(fileURLWithPath: directory + "/observation.f32"))
    let floats = observation.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    #expect(floats.count == 4 * PolicyFeatures.count)
    #expect(stride(from: 0, to: floats.count, by: PolicyFeatures.count).map { floats[$0] } == [0, 200, 100, 300])
    let action = try Data(contentsOf: URL(fileURLWithPath: directory + "/action.f32"))
    let labels = action.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    #expect(stride(from: 0, to: labels.count, by: 9).map { labels[$0] } == [0, 2000, 1000, 3000])
    let manifest = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json")))
        as? [String: Any])
    #expect(manifest["feature_version"] as? String == PolicyFeatures.version)
    #expect((manifest["state_names"] as? [String])?.count == PolicyFeatures.count)
    #expect(manifest["fps"] as? Int == 50)
    let episodes = try #require(manifest["episodes"] as? [[String: Any]])
    #expect(episodes.map { $0["perturbed"] as? Bool } == [false, true])
    #expect(episodes.map { $0["length"] as? Int } == [2, 2])
  }
}
