import CellWorld
import Foundation
import NutPerception

/// `workcell-train --tactile-dataset DIR --grasps N --seed S`: simulated grasps for the learned
/// tactile refinement (``TactileGraspDraw``), each with the analytic estimate the runtime feeds
/// the network beside the frames, written as arrays the PyTorch trainer reads
/// (training/train_tactile.py):
/// - features.npy [N, 201] float32: ``TactileOffsetNet/features(fingerA:fingerB:analyticAcrossMm:analyticAlongMm:forceN:)``
/// - labels.npy [N, 2]: the nut's true across / along position on the pads, mm
/// - spurious.npy [N, 1]: pads with a stray contact (0, 1, 2)
/// - manifest.json: format, names, the draw's parameters, the analytic fit's error.
/// Only grasps the analytic sensor calls holding are kept (the network is asked only then).
/// Returns the exit status.
enum TactileDatasetCommand {
  static let format = "workcell-tactile-grasps/1"

  static func run(directory: String, grasps: Int, seed: UInt64) -> Int32 {
    func fail(_ message: String) -> Int32 {
      FileHandle.standardError.write(Data("workcell-train: \(message)\n".utf8))
      return 1
    }
    guard grasps > 0 else { return fail("--grasps must be at least 1") }
    let url = URL(fileURLWithPath: directory)
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      let existing = try FileManager.default.contentsOfDirectory(atPath: directory)
      if existing.contains("features.npy") || existing.contains("manifest.json") {
        return fail("--tactile-dataset \(directory) already holds a dataset; give a new or empty directory")
      }
    } catch {
      return fail("--tactile-dataset \(directory): \(error.localizedDescription)")
    }
    let sensor = TactileGraspSensor()
    let width = TactileOffsetNet.featureCount(rows: TactileArray.rows, cols: TactileArray.cols)
    var random = WorldRandom(seed: seed)
    var features: [Float] = []
    features.reserveCapacity(grasps * width)
    var labels: [Float] = []
    var spurious: [Float] = []
    var notHolding = 0
    var absError = SIMD2<Double>(0, 0)
    var kept = 0
    var draws = 0
    let started = ContinuousClock.now
    while kept < grasps {
      draws += 1
      guard draws <= grasps * 20 else { return fail("only \(kept) of \(draws) draws were held; the pad model looks broken") }
      let grasp = TactileGraspDraw.draw(&random)
      let estimate: TactileEstimate
      do {
        estimate = try sensor.estimate(fingerA: grasp.fingerA, fingerB: grasp.fingerB)
      } catch {
        return fail("the analytic sensor refused a drawn grasp: \(error.message)")
      }
      guard estimate.grasp.holding else {
        notHolding += 1
        continue
      }
      let across = estimate.grasp.contactCentroidXMm
      let along = estimate.grasp.contactCentroidYMm
      features += TactileOffsetNet.features(
        fingerA: grasp.fingerA, fingerB: grasp.fingerB, analyticAcrossMm: across, analyticAlongMm: along,
        forceN: estimate.grasp.normalForceN)
      labels += [Float(grasp.acrossMm), Float(grasp.alongMm)]
      spurious.append(Float(grasp.spuriousPads))
      absError += SIMD2(abs(across - grasp.acrossMm), abs(along - grasp.alongMm))
      kept += 1
      if kept % 5000 == 0 { say("tactile dataset: \(kept)/\(grasps) grasps") }
    }
    let meanError = absError / Double(kept)
    let manifest: [String: Any] = [
      "format": format, "feature_version": TactileOffsetNet.featureVersion,
      "feature_names": TactileOffsetNet.featureNames(rows: TactileArray.rows, cols: TactileArray.cols),
      "label_names": TactileOffsetNet.outputNames, "rows": TactileArray.rows, "cols": TactileArray.cols,
      "pitch_mm": TactileArray.pitchMm, "grasps": kept, "draws": draws, "not_holding": notHolding, "seed": seed,
      "spurious_chance_per_pad": TactileGraspDraw.spuriousChance,
      "analytic_mean_abs_error_mm": ["across": meanError.x, "along": meanError.y],
      "generator": "workcell-train --tactile-dataset (Services/workcell-train/TactileGraspDraw.swift)",
    ]
    do {
      try NumpyFloatArray(rows: kept, columns: width, values: features).write(to: url.appendingPathComponent("features.npy").path)
      try NumpyFloatArray(rows: kept, columns: 2, values: labels).write(to: url.appendingPathComponent("labels.npy").path)
      try NumpyFloatArray(rows: kept, columns: 1, values: spurious).write(to: url.appendingPathComponent("spurious.npy").path)
    } catch {
      return fail("--tactile-dataset \(error.message)")
    }
    do {
      try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        .write(to: url.appendingPathComponent("manifest.json"))
    } catch {
      return fail("--tactile-dataset \(directory): \(error.localizedDescription)")
    }
    say(
      String(
        format: "tactile dataset: %d grasps (%d draws not held) → %@ in %.1f s; analytic fit's mean error across %.3f mm, along %.3f mm",
        kept, notHolding, directory, seconds(ContinuousClock.now - started), meanError.x, meanError.y))
    return 0
  }
}
