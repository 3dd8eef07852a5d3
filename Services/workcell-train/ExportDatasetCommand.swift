import CellWorld
import Foundation
import MotionPlanning
import PolicyRuntime
import RobotDescription

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
    let recording = Demonstrations.Recording(
      chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs, widthJitterM: options.widthJitterMm / 1000,
      jointNoiseRad: options.jointNoiseRad)
    var samples: Demonstrations
    var provenance: [String: String]
    if options.labelWith == "planner" {
      guard let recorded = relabel(options: options, seeds: trainSeeds, worldConfig: worldConfig) else { return 1 }
      (samples, provenance) = recorded
    } else {
      say(
        "recording \(options.cyclesPerSeed) expert cycles on each of \(trainSeeds.count) worlds (seeds \(trainSeeds.first!)…\(trainSeeds.last!))"
      )
      samples = Demonstrations.record(
        seeds: trainSeeds, cyclesPerSeed: options.cyclesPerSeed, recording: recording, config: worldConfig
      ) { done, sofar in
        if done % 10 == 0 || done == trainSeeds.count {
          say("  worlds \(done)/\(trainSeeds.count): \(sofar.cycles) cycles, \(sofar.count) samples")
        }
      }
      provenance = [
        "recorded_by": "workcell-train --export-dataset",
        "train_seeds": "\(trainSeeds.first!)-\(trainSeeds.last!)",
        "cycles_per_seed": String(options.cyclesPerSeed),
        "width_jitter_mm": String(options.widthJitterMm),
        "joint_noise_rad": String(options.jointNoiseRad),
        "failure_rate_scale": String(options.failureRateScale),
        "validation_fraction": String(options.validationFraction),
      ]
    }
    if let path = options.takeoverModel, options.labelWith == "expert" {
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
      jointNames: RobotDescription.reference.workingArmJointNames,
      gripperNames: [RobotDescription.reference.workingGripperName], provenance: provenance)
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

  /// `--label-with planner`: planner-labelled rollouts through the controller (`PlannerRelabel`),
  /// driven by the planner, or by `--student` with probability 1 − β. Nil after an error (said).
  static func relabel(options: TrainOptions, seeds: [UInt64], worldConfig: CellWorldConfig) -> (Demonstrations, [String: String])? {
    var student: PolicyModel?
    if let path = options.student {
      do {
        student = try PolicyModel(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
      } catch {
        FileHandle.standardError.write(Data("workcell-train: --student \(path): \(error)\n".utf8))
        return nil
      }
      guard student!.architecture.features == .v3 else {
        FileHandle.standardError.write(
          Data("workcell-train: --student \(path): features \(student!.architecture.featureVersion); relabelling needs a wc-features-3 model\n".utf8))
        return nil
      }
    }
    let beta = options.beta ?? (student == nil ? 1 : 0.5)
    // The labels are for rollouts at these latencies: the steady-pull compensation assumes fresh
    // chunks (ScriptedChunkPlanner.Config.compensatesSteadyPull).
    var plannerConfig = ScriptedChunkPlanner.Config()
    plannerConfig.compensatesSteadyPull = (options.rolloutLatenciesMs.max() ?? 0) < 50
    let planner = ScriptedChunkPlanner(
      config: plannerConfig, chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs,
      jointNames: RobotDescription.reference.workingArmJointNames, gripperNames: [RobotDescription.reference.workingGripperName])
    let settings = PlannerRelabel.Settings(
      seeds: seeds, cyclesPerSeed: options.cyclesPerSeed, latenciesMs: options.rolloutLatenciesMs, beta: beta,
      replanSteps: options.replanSteps, balanceCorrection: !options.noBalanceCorrection)
    let driver = student.map { "\($0.architecture.version) with the planner at β = \(beta)" } ?? "the planner"
    say(
      "relabelling: \(options.cyclesPerSeed) cycles on each of \(seeds.count) worlds (seeds \(seeds.first!)…\(seeds.last!)) driven by \(driver) through control at \(options.rolloutLatenciesMs.map(String.init).joined(separator: "/")) ms; the planner labels every 20 ms"
    )
    let (samples, tally) = PlannerRelabel.record(planner: planner, student: student, settings: settings, config: worldConfig) {
      done, sofar, tally in
      if done % 10 == 0 || done == seeds.count {
        say("  worlds \(done)/\(seeds.count): \(tally.fastened)/\(tally.cycles) fastened, \(sofar.count) samples")
      }
    }
    say("rollouts: \(tally.fastened)/\(tally.cycles) fastened (\(tally.summary))")
    let provenance = [
      "recorded_by": "workcell-train --export-dataset --label-with planner",
      "labelled_by": ScriptedChunkPlanner.version,
      "student": student?.architecture.version ?? "",
      "beta": String(beta),
      "rollout_latencies_ms": options.rolloutLatenciesMs.map(String.init).joined(separator: ","),
      "rollouts_fastened": "\(tally.fastened)/\(tally.cycles)",
      "train_seeds": "\(seeds.first!)-\(seeds.last!)",
      "cycles_per_seed": String(options.cyclesPerSeed),
      "replan_steps": String(options.replanSteps),
      "failure_rate_scale": String(options.failureRateScale),
      "validation_fraction": String(options.validationFraction),
    ]
    return (samples, provenance)
  }
}
