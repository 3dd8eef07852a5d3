import CellWorld
import Foundation
import PolicyRuntime

/// `workcell-train --export-dataset DIR`: records the demonstrations (and, with
/// `--takeover-model FILE`, expert takeovers from that model's rollouts) and writes them as a
/// LeRobot v3.0 dataset instead of training in Swift. Returns the exit status.
enum ExportDatasetCommand {
  static func run(options: TrainOptions, target: String, worldConfig: CellWorldConfig) -> Int32 {
    let clock = ContinuousClock()
    let started = clock.now
    if FileManager.default.fileExists(atPath: target),
      !((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).isEmpty
    {
      FileHandle.standardError.write(
        Data("workcell-train: --export-dataset \(target) exists and is not empty; export into a new directory\n".utf8))
      return 1
    }
    let trainSeeds = (0..<UInt64(options.trainSeeds)).map { options.firstTrainSeed + $0 }
    say(
      "recording \(options.cyclesPerSeed) expert cycles on each of \(trainSeeds.count) worlds (seeds \(trainSeeds.first!)…\(trainSeeds.last!))"
    )
    let recording = Demonstrations.Recording(
      chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs, widthJitterM: options.widthJitterMm / 1000,
      jointNoiseRad: options.jointNoiseRad)
    var samples = Demonstrations.record(
      seeds: trainSeeds, cyclesPerSeed: options.cyclesPerSeed, recording: recording, config: worldConfig
    ) { done, sofar in
      if done % 10 == 0 || done == trainSeeds.count {
        say("  worlds \(done)/\(trainSeeds.count): \(sofar.cycles) cycles, \(sofar.count) samples")
      }
    }
    var provenance = [
      "recorded_by": "workcell-train --export-dataset",
      "train_seeds": "\(trainSeeds.first!)-\(trainSeeds.last!)",
      "cycles_per_seed": String(options.cyclesPerSeed),
      "width_jitter_mm": String(options.widthJitterMm),
      "joint_noise_rad": String(options.jointNoiseRad),
      "failure_rate_scale": String(options.failureRateScale),
      "validation_fraction": String(options.validationFraction),
    ]
    if let path = options.takeoverModel {
      let model: PolicyModel
      do {
        model = try PolicyModel(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
      } catch {
        FileHandle.standardError.write(Data("workcell-train: --takeover-model \(path): \(error)\n".utf8))
        return 1
      }
      let seeds = (0..<UInt64(options.daggerSeeds)).map { options.firstDaggerSeed + $0 }
      let takeovers = Demonstrations.recordTakeovers(
        model: model, seeds: seeds, takeoversPerSeed: options.takeoversPerSeed, replanSteps: options.replanSteps,
        recording: recording, config: worldConfig)
      say(
        "takeovers: \(takeovers.cycles) expert takeovers from \(model.architecture.version) on \(seeds.count) worlds, \(takeovers.count) samples"
      )
      samples.append(takeovers)
      provenance["takeover_model"] = model.architecture.version
      provenance["takeover_seeds"] = seeds.isEmpty ? "" : "\(seeds.first!)-\(seeds.last!)"
    }
    let description = DatasetExport.Description(
      chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs,
      jointNames: (1...7).map { "right_arm_joint_\($0)" },
      gripperNames: ["right_gripper"], provenance: provenance)
    let staging = target.hasSuffix("/") ? String(target.dropLast()) + ".staging" : target + ".staging"
    do {
      try DatasetExport.writeStaging(samples, description: description, to: staging)
      say(
        "wrote \(samples.count) samples in \(samples.episodes.count) episodes to \(staging); writing the dataset (Parquet, pyarrow)"
      )
      try DatasetExport.runWriter(
        python: DatasetExport.python(explicit: options.python), staging: staging, target: target)
      try? FileManager.default.removeItem(atPath: staging)
    } catch {
      FileHandle.standardError.write(Data("workcell-train: \(error.message)\n".utf8))
      return 1
    }
    let elapsed = clock.now - started
    say(
      "exported \(samples.count) frames, \(samples.episodes.count) episodes to \(target) in \((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18).formatted(digits: 1)) s"
    )
    return 0
  }
}
