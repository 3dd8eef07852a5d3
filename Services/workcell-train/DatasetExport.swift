import Foundation
import PolicyRuntime

/// Writes demonstrations as a LeRobot v3.0 dataset (docs/policy.md "Training with PyTorch"):
/// the samples in episode order as raw float32 files with a JSON manifest (a staging directory),
/// then training/write_dataset.py, which writes the Parquet files with pyarrow. One frame per
/// sample: `observation.state` = the features (the samples' `featureVersion`), `action` = the label chunk
/// flattened step by step (7 joint targets relative to the observed joints, width, force).
struct DatasetExport {
  /// What the dataset is made of, for the manifest (and from it `meta/info.json`).
  struct Description {
    var chunkSteps: Int
    var stepPeriodMs: Int
    var jointNames: [String]
    var gripperNames: [String]
    /// Recording settings and seeds, copied into info.json's `workcell` entry.
    var provenance: [String: String]
  }

  /// Names of the flattened label chunk: `step_00.right_arm_joint_1.delta_rad` … `step_29.right_gripper.force_n`.
  static func actionNames(chunkSteps: Int, jointNames: [String], gripperNames: [String]) -> [String] {
    var names: [String] = []
    for s in 0..<chunkSteps {
      let step = "step_" + (s < 10 ? "0\(s)" : "\(s)")
      names += jointNames.map { "\(step).\($0).delta_rad" }
      for g in gripperNames { names += ["\(step).\(g).width_m", "\(step).\(g).force_n"] }
    }
    return names
  }

  /// Writes the staging directory: `manifest.json`, `observation.f32` and `action.f32`
  /// (little-endian float32, row-major, episodes one after another).
  static func writeStaging(_ demonstrations: Demonstrations, description d: Description, to directory: String)
    throws(DatasetExportError)
  {
    let encoding = demonstrations.featureVersion
    let stateWidth = encoding.count
    let actionWidth = demonstrations.count == 0 ? 0 : demonstrations.targets.count / demonstrations.count
    let actionNames = actionNames(chunkSteps: d.chunkSteps, jointNames: d.jointNames, gripperNames: d.gripperNames)
    precondition(actionWidth == actionNames.count || demonstrations.count == 0, "targets do not match the chunk layout")
    var observation: [Float] = []
    var action: [Float] = []
    observation.reserveCapacity(demonstrations.features.count)
    action.reserveCapacity(demonstrations.targets.count)
    var episodes: [[String: Any]] = []
    for episode in demonstrations.episodes {
      for row in episode.rows {
        observation += demonstrations.features[(row * stateWidth)..<((row + 1) * stateWidth)]
        action += demonstrations.targets[(row * actionWidth)..<((row + 1) * actionWidth)]
      }
      episodes.append([
        "seed": episode.seed, "cycle_in_seed": episode.cycleInSeed, "source": episode.source.rawValue,
        "perturbed": episode.perturbed, "outcome": episode.outcome, "length": episode.rows.count,
        "feature_version": encoding.rawValue,
      ])
    }
    let manifest: [String: Any] = [
      "format": "workcell-train-staging/1",
      "feature_version": encoding.rawValue,
      "state_names": encoding.names,
      "action_names": actionNames,
      "fps": 1000 / d.stepPeriodMs,
      "chunk_steps": d.chunkSteps,
      "step_period_ms": d.stepPeriodMs,
      "joint_names": d.jointNames,
      "gripper_names": d.gripperNames,
      "frames": observation.count / stateWidth,
      "episodes": episodes,
      "provenance": d.provenance,
    ]
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let json = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
      try json.write(to: URL(fileURLWithPath: directory + "/manifest.json"))
      try observation.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: directory + "/observation.f32")) }
      try action.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: directory + "/action.f32")) }
    } catch {
      throw DatasetExportError(.cannotWrite, "could not write the staging files in \(directory): \(error)")
    }
  }

  /// Runs training/write_dataset.py (`python`: a Python with pyarrow, pandas and numpy) to turn
  /// the staging directory into the dataset at `target`.
  static func runWriter(python: String, staging: String, target: String) throws(DatasetExportError) {
    let script = try findScript("training/write_dataset.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, script, "--from", staging, "--to", target]
    do { try process.run() } catch {
      throw DatasetExportError(.writerFailed, "cannot run \(python): \(error); pass --python or set WORKCELL_PYTHON")
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw DatasetExportError(
        .writerFailed, "\(script) exited with \(process.terminationStatus) (its message is above)")
    }
  }

  /// The Python to run: `explicit`, else `$WORKCELL_PYTHON`, else `.venv/bin/python`, else `python3`.
  static func python(explicit: String?) -> String {
    explicit ?? ProcessInfo.processInfo.environment["WORKCELL_PYTHON"]
      ?? (FileManager.default.isExecutableFile(atPath: ".venv/bin/python") ? ".venv/bin/python" : "python3")
  }

  /// `relative` in the working directory's repository, or in the one this executable was built
  /// in (.build/<config>/workcell-train).
  static func findScript(_ relative: String) throws(DatasetExportError) -> String {
    var candidates = [URL(fileURLWithPath: relative)]
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
      candidates.append(directory.appendingPathComponent(relative))
      directory = directory.deletingLastPathComponent()
    }
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
      throw DatasetExportError(.writerFailed, "cannot find \(relative); run from the repository")
    }
    return found.path
  }
}
