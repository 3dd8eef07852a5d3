import PolicyRuntime

/// The model card written beside the weights: what the model was trained on, how, and how well
/// it does, in Markdown.
struct ModelCard {
  var options: TrainOptions
  var model: PolicyModel
  var fileBytes: Int
  var demonstrations: Demonstrations
  var takeovers: Demonstrations
  var daggerEpochs: [MLPTrainer.EpochReport]
  /// The first fit's closed loop on takeover worlds (nil without DAgger).
  var firstModel: ClosedLoop.Tally?
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
    var curve = "| fit | epoch | train MSE | validation MSE | seconds |\n|---|---|---|---|---|\n"
    for e in epochs where e.epoch == 1 || e.epoch == epochs.count || e.epoch % max(epochs.count / 6, 1) == 0 {
      curve += "| demonstrations | \(e.epoch) | \(fmt(e.trainLoss, 4)) | \(fmt(e.validationLoss, 4)) | \(fmt(e.seconds, 1)) |\n"
    }
    for e in daggerEpochs where e.epoch == 1 || e.epoch == daggerEpochs.count || e.epoch % max(daggerEpochs.count / 4, 1) == 0 {
      curve += "| + takeovers | \(e.epoch) | \(fmt(e.trainLoss, 4)) | \(fmt(e.validationLoss, 4)) | \(fmt(e.seconds, 1)) |\n"
    }
    let perturbed =
      o.jointNoiseRad > 0
      ? """
      - Perturbed copies: beside every sample (demonstrations and takeovers) a copy with the 7 joints
        offset by Gaussian noise σ \(fmt(o.jointNoiseRad * 1000, 0)) mrad (the TCP moved by forward kinematics, a held
        nut with it), labelled with the same targets: the way back to the expert's path (noise
        injection, as in DART). Every sample count here includes them.
      """ : "- Perturbed copies: none (`--joint-noise-rad 0`)."
    let finalValidation = (daggerEpochs.last ?? epochs.last)?.validationLoss ?? 0
    let takeoverOutcomes = takeovers.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }
      .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    let lastDaggerSeed = o.firstDaggerSeed + UInt64(max(o.daggerSeeds, 1)) - 1
    let dagger =
      o.daggerSeeds == 0
      ? "- DAgger: off (`--dagger-seeds 0`)."
      : """
      - DAgger-style takeovers (after the first fit): on worlds \(o.firstDaggerSeed)…\(lastDaggerSeed), \(o.takeoversPerSeed) per
        world, the first model drives a cycle from its start until a random moment 0.3–2 s in while it is
        still reaching; then a fresh `ScriptedExpert` takes over from that state and finishes the
        cycle, recorded like the demonstrations: \(takeovers.cycles) takeovers (\(takeoverOutcomes)),
        \(takeovers.count) samples, all used for training. The expert can only take over before the pick
        (it starts a cycle with the nut in the feeder), so carry and insert get no recovery data.
      """
    let latencyRows = latency.map { "| \($0.batch) | \(fmt($0.p50Us, 1)) | \(fmt($0.p99Us, 1)) |" }.joined(separator: "\n")
    return """
      # Policy model card: \(a.version)

      An MLP behaviour-cloned from `ScriptedExpert` in the simulated cell (`Shared/CellWorld`),
      written by `workcell-train` (release build). Format, features and metadata keys:
      docs/policy.md. Reproduce with:

      ```
      swift run -c release workcell-train --train-seeds \(o.trainSeeds) --cycles-per-seed \(o.cyclesPerSeed) \\
        --epochs \(o.epochs) --hidden \(o.hiddenSizes.map(String.init).joined(separator: ",")) --activation \(o.activation) \\
        --width-jitter-mm \(fmt(o.widthJitterMm, 1)) --joint-noise-rad \(fmt(o.jointNoiseRad, 3)) --dagger-seeds \(o.daggerSeeds) --takeovers-per-seed \(o.takeoversPerSeed) \\
        --dagger-epochs \(o.daggerEpochs) --eval-seeds \(o.evalSeeds) --eval-cycles-per-seed \(o.evalCyclesPerSeed) \\
        --seed \(o.seed) --version \(o.version) --output \(o.outputDirectory)
      ```

      ## Data
      - Worlds: seeds \(o.firstTrainSeed)…\(lastTrainSeed), one robot (left side, right arm working),
        \(o.cyclesPerSeed) consecutive expert cycles per world (each cycle starts where the last one
        ended), failure rates at \(o.failureRateScale == 1 ? "CellWorld's defaults" : "\(o.failureRateScale) × CellWorld's defaults").
      - Cycles: \(demonstrations.cycles) (\(expertOutcomes)); \(fmt(demonstrations.simulatedS, 0)) s simulated,
        recorded in \(fmt(recordingSeconds, 1)) s.
      - Samples: \(demonstrations.count), one every \(a.stepPeriodMs) ms while the expert's cycle runs;
        \(trainSamples) for training (takeovers included), \(validationSamples) for validation (the last
        \(Int((o.validationFraction * 100).rounded())) % of the seeds, held out whole).
      - Input: features `\(a.featureVersion)` (docs/policy.md). Joints from the encoders (quantised).
        **The nut's pose and spline phase are ground truth plus Gaussian noise shaped like
        perception's error** (σ 0.5 mm per axis, yaw σ 1°, phase σ 1°) — the model has not yet seen
        real perception output. Gripper width: measured, plus Gaussian noise σ \(fmt(o.widthJitterMm, 1)) mm in the
        training rows only. Grasp state: holding = the nut is in the gripper; seated = holding, not
        slipping, offset across the pads < 1 mm. Cycle step: a rule a sequencer can apply to
        perception and forward kinematics; steps never go back within a cycle: nut in the feeder →
        REACH until the fingers are within 5 mm sideways of the nut and less than 70 mm above it,
        then GRASP; held → CARRY until the nut is within 10 mm sideways of the pin (pin and nut in the
        same, swaying, torso frame), then INSERT until NUT_SEATED (the nut down on the seat, within 0.5 mm), then RELEASE_RETREAT
        (open, back away); a dropped nut → RELEASE_RETREAT.
      \(perturbed)
      \(dagger)
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
      \(o.batchSize), MSE on normalised targets, seed \(o.seed): \(o.epochs) epochs on the demonstrations, then
      \(o.daggerSeeds == 0 ? 0 : o.daggerEpochs) on demonstrations + takeovers (the same network and normalisation, a
      new cosine schedule); \(fmt(trainingSeconds, 0)) s including the takeover rollouts, on one core of the
      shared 2-core machine.

      \(curve)
      Validation (demonstrations of held-out training seeds only): MSE \(fmt(finalValidation, 4)) (normalised units); RMS joint-target error
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

      Policy relative to the expert: \(fmt(expert.fastened == 0 ? 0 : Double(policy.fastened) / Double(expert.fastened) * 100, 0)) %.

      ## Diagnosis (measured by this run)
      Cycles the policy did not fasten, by the cycle step they had reached: \(policy.failureSteps).
      \(firstModel.map { "Before the takeovers, the first fit on takeover worlds (1 cycle each): \($0.fastened)/\($0.cycles) fastened (\($0.summary)); failures by step: \($0.failureSteps)." } ?? "")
      \(diagnosis)

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

  /// What the failure steps mean, from what `--trace-eval` showed while this recipe was built
  /// (docs/policy.md has the change-by-change table).
  var diagnosis: String {
    """
    How to read it (`workcell-train --eval-only --trace-eval` prints the state every 100 ms).
    REACH/GRASP failures: the arm stops a few millimetres off the pre-grasp pose or closes beside
    the nut (the pick takes ±4 mm). CARRY failures: the arm leaves the tube of states the expert
    visited. INSERT failures: the nut lands beside the pin (it takes ±1.5 mm and ±4°) and jams
    on the pin's top, or the policy stops short of the seat. RELEASE_RETREAT with notSeated: the
    fingers opened with the nut on the pin but not home (jammed or not pushed down).
    What fixed what: wc-mlp-1 closed 6 cm above the nut (every pre-grasp sample was REACH and
    the expert's width left 45 mm only when closing, so the policy read its own 1 mm width errors
    as "closing"): the GRASP step and width noise fixed it. Millimetres were invisible in
    features normalised over a whole cycle: the magnified nut − TCP and nut − pin features fixed
    the stalls before the grasp and the flights past the pin. Drift off the expert's states in
    the carry: the perturbed copies fixed it (DAgger cannot reach past the pick: the expert only
    starts with the nut in the feeder). Releasing too early at the pin: INSERT now lasts until
    NUT_SEATED, so the step, not a guess of the timing, says when to open.
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
