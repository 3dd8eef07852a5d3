import PolicyRuntime

/// The model card written beside the weights: what the model was trained on, how, and how well
/// it does, in Markdown.
struct ModelCard {
  var options: TrainOptions
  var model: PolicyModel
  var fileBytes: Int
  var demonstrations: Demonstrations
  var trainSamples: Int
  var validationSamples: Int
  var epochs: [MLPTrainer.EpochReport]
  var trainingSeconds: Double
  var recordingSeconds: Double
  var validationJointRmsRad: Double
  var policy: ClosedLoop.Tally
  var expert: ClosedLoop.Tally
  var latency: [LatencyBenchmark.Result]

  func markdown() -> String {
    let a = model.architecture
    let o = options
    let lastTrainSeed = o.firstTrainSeed + UInt64(o.trainSeeds) - 1
    let lastEvalSeed = o.firstEvalSeed + UInt64(o.evalSeeds) - 1
    let expertOutcomes = demonstrations.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }
      .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    var curve = "| epoch | train MSE | validation MSE | seconds |\n|---|---|---|---|\n"
    for e in epochs where e.epoch == 1 || e.epoch == epochs.count || e.epoch % max(epochs.count / 8, 1) == 0 {
      curve += "| \(e.epoch) | \(fmt(e.trainLoss, 4)) | \(fmt(e.validationLoss, 4)) | \(fmt(e.seconds, 1)) |\n"
    }
    let latencyRows = latency.map { "| \($0.batch) | \(fmt($0.p50Us, 1)) | \(fmt($0.p99Us, 1)) |" }.joined(separator: "\n")
    return """
      # Policy model card: \(a.version)

      An MLP behaviour-cloned from `ScriptedExpert` in the simulated cell (`Shared/CellWorld`),
      written by `workcell-train` (release build). Format, features and metadata keys:
      docs/policy.md. Reproduce with:

      ```
      swift run -c release workcell-train --train-seeds \(o.trainSeeds) --cycles-per-seed \(o.cyclesPerSeed) \\
        --epochs \(o.epochs) --hidden \(o.hiddenSizes.map(String.init).joined(separator: ",")) --activation \(o.activation) \\
        --seed \(o.seed) --version \(o.version) --output \(o.outputDirectory)
      ```

      ## Data
      - Worlds: seeds \(o.firstTrainSeed)…\(lastTrainSeed), one robot (left side, right arm working),
        \(o.cyclesPerSeed) consecutive expert cycles per world (each cycle starts where the last one
        ended), failure rates at \(o.failureRateScale == 1 ? "CellWorld's defaults" : "\(o.failureRateScale) × CellWorld's defaults").
      - Cycles: \(demonstrations.cycles) (\(expertOutcomes)); \(fmt(demonstrations.simulatedS, 0)) s simulated,
        recorded in \(fmt(recordingSeconds, 1)) s.
      - Samples: \(demonstrations.count), one every \(a.stepPeriodMs) ms while the expert's cycle runs;
        \(trainSamples) for training, \(validationSamples) for validation (the last
        \(Int((o.validationFraction * 100).rounded())) % of the seeds, held out whole).
      - Input: features `\(a.featureVersion)` (docs/policy.md). Joints from the encoders (quantised).
        **The nut's pose and spline phase are ground truth plus Gaussian noise shaped like
        perception's error** (σ 0.5 mm per axis, yaw σ 1°, phase σ 1°) — perception was being
        written in parallel, so the model has not yet seen real perception output. Grasp state:
        holding = the nut is in the gripper; seated = holding, not slipping, offset across the pads
        < 1 mm. Cycle step: from a rule a sequencer could apply to perception (nut at the feeder →
        REACH; held and > 10 mm sideways from the pin → CARRY; held near the pin → INSERT; nut
        left on the pin or dropped → RELEASE_RETREAT).
      - Target: the expert's next \(a.chunkSteps) steps every \(a.stepPeriodMs) ms: the arm's true joint
        positions at t + i × \(a.stepPeriodMs) ms relative to the observed joints, the expert's gripper
        command (45 mm open / 0 closed) and grip force (20 N). After a cycle ends the arm holds.

      ## Architecture
      - Layers \(a.layerSizes.map(String.init).joined(separator: " → ")), \(a.activation.rawValue) between
        layers, \(model.parameterCount) parameters, file \(fileBytes) bytes (F32 safetensors).
      - Input and output normalisation stored as tensors; output scales shared per value type
        (joint j, width, force) across the chunk's steps.
      - Chunk: \(a.chunkSteps) steps × (7 joint targets + gripper width + grip force) at
        \(a.stepPeriodMs) ms (\(a.chunkSteps * a.stepPeriodMs) ms horizon).

      ## Training
      Adam (β 0.9/0.999), learning rate \(o.learningRate) cosine-decayed to 5 %, minibatch
      \(o.batchSize), \(o.epochs) epochs, MSE on normalised targets, seed \(o.seed); \(fmt(trainingSeconds, 0)) s on
      one core of the shared 2-core machine.

      \(curve)
      Validation: MSE \(fmt(epochs.last?.validationLoss ?? 0, 4)) (normalised units); RMS joint-target error
      \(fmt(validationJointRmsRad * 1000, 2)) mrad over all steps and joints.

      ## Closed loop in simulation (held-out seeds \(o.firstEvalSeed)…\(lastEvalSeed), \(o.evalCyclesPerSeed) cycles each)
      The policy drives the arm: every \(o.replanSteps) steps (\(o.replanSteps * a.stepPeriodMs) ms) it observes,
      infers a chunk and tracks it at 1 kHz (linear interpolation, velocity feed-forward, hold
      gains); a cycle ends 0.5 s after the nut is left on the pin (then the fixture fastens), on a
      drop, or after 12 s. Same seeds, same failure rates, for both.

      | driver | fastened | rate | outcomes |
      |---|---|---|---|
      | policy \(a.version) | \(policy.fastened)/\(policy.cycles) | \(fmt(policy.rate, 2)) | \(policy.summary) |
      | scripted expert | \(expert.fastened)/\(expert.cycles) | \(fmt(expert.rate, 2)) | \(expert.summary) |

      ## Inference latency (release, `PolicyModel.act`, this shared machine)
      | batch | p50 µs | p99 µs |
      |---|---|---|
      \(latencyRows)

      ## Limits
      - Trained on simulated ground truth plus synthetic noise, not on perception's output nor on
        a real robot; no recovery behaviour beyond what the expert shows (it never re-grasps).
      - One robot, the left side's geometry (torso frame); the right side was not trained.
      - The instruction text of the observation is ignored.

      """
  }

  private func fmt(_ x: Double, _ digits: Int) -> String {
    var s = x.formatted(digits: digits)
    if s == "-0" { s = "0" }
    return s
  }
}

extension Double {
  /// Fixed-point text without Foundation's formatters.
  func formatted(digits: Int) -> String {
    guard isFinite else { return "\(self)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (self * scale).rounded()
    let negative = scaled < 0
    let whole = Int(abs(scaled))
    let integerPart = whole / Int(scale)
    let fraction = whole % Int(scale)
    var text = String(integerPart)
    if digits > 0 {
      let f = String(fraction)
      text += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return negative ? "-" + text : text
  }
}
