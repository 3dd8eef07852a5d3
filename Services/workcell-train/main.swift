import CellWorld
import Foundation
import MotionPlanning
import WholeBodyControl
import PolicyRuntime
import RobotDescription

// workcell-train: demonstrations from the scripted expert → policy weights and model card.
// Progress goes to stdout; everything random is seeded (see TrainOptions.usage).

/// A progress line, written at once (print buffers when stdout is a file or a pipe).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let options: TrainOptions
do {
  options = try TrainOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("workcell-train: \(error.message)\n".utf8))
  exit(64)
}
if options.help {
  say(TrainOptions.usage)
  exit(0)
}
guard let activation = Activation(rawValue: options.activation) else {
  FileHandle.standardError.write(Data("workcell-train: --activation must be relu, gelu or tanh\n".utf8))
  exit(64)
}

var worldConfig = CellWorldConfig.defaults
worldConfig.robotCount = 1
// Only physics matters here: cameras, tactile and IMU off (they draw from their own stream).
worldConfig.cameraHz = 0
worldConfig.tactileHz = 0
worldConfig.imuHz = 0
for kind in WorldFault.allCases { worldConfig.failureRates[kind] = min(kind.defaultRate * options.failureRateScale, 1) }

if let target = options.tactileDataset {
  exit(TactileDatasetCommand.run(directory: target, grasps: options.grasps, seed: options.seed))
}
if let input = options.inferTactile {
  exit(InferTactileCommand.run(input: input, modelPath: options.model, output: options.out))
}
if let input = options.inferFeatures {
  exit(InferFeaturesCommand.run(input: input, modelPath: options.model, output: options.out))
}
if let target = options.exportDataset {
  exit(ExportDatasetCommand.run(options: options, target: target, worldConfig: worldConfig))
}

let clock = ContinuousClock()
if options.planner == "scripted" {
  // The scripted planner through the same closed loop (no model file): the baseline a model is
  // measured against, with the sequencer's observations rather than the expert's ground truth.
  var plannerConfig = ScriptedChunkPlanner.Config()
  plannerConfig.compensatesSteadyPull = (options.throughControlLatencyMs ?? 0) < 50
  let planner = ScriptedChunkPlanner(
    config: plannerConfig, chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs,
    jointNames: RobotDescription.reference.workingArmJointNames, gripperNames: [RobotDescription.reference.workingGripperName])
  let seeds = (0..<UInt64(options.evalSeeds)).map { options.firstEvalSeed + $0 }
  let started = clock.now
  if let latencyMs = options.throughControlLatencyMs {
    // Through the whole-body controller, with the fleet's round-trip latency.
    let (tally, refused) = ControlledLoop.evaluate(
      act: { planner.plan($0, previous: options.coldStart ? nil : $1) }, seeds: seeds, cyclesPerSeed: options.evalCyclesPerSeed,
      config: worldConfig, stepPeriodMs: options.stepPeriodMs, replanSteps: options.replanSteps, latencyMs: latencyMs,
      balanceCorrection: !options.noBalanceCorrection, trace: options.traceEval ? { say("  " + $0) } : nil)
    say(
      "scripted planner through control (latency \(latencyMs) ms): \(tally.fastened)/\(tally.cycles) fastened (\(tally.summary)); "
        + "failures by the step reached: \(tally.failureSteps); chunks refused \(refused); "
        + "\(String(format: "%.1f", seconds(clock.now - started))) s")
    exit(writeReport(tally, driver: "scripted-planner-4", seeds: seeds, options: options, latencyMs: latencyMs))
  }
  let tally = ClosedLoop.evaluate(
    stepPeriodMs: options.stepPeriodMs, act: { planner.plan($0) }, seeds: seeds, cyclesPerSeed: options.evalCyclesPerSeed,
    config: worldConfig, replanSteps: options.replanSteps, trace: options.traceEval ? { say("  " + $0) } : nil)
  say(
    "scripted planner: \(tally.fastened)/\(tally.cycles) fastened (\(tally.summary)); failures by the step reached: "
      + "\(tally.failureSteps); \(String(format: "%.1f", seconds(clock.now - started))) s")
  exit(writeReport(tally, driver: "scripted-planner-4", seeds: seeds, options: options))
}
if options.evalOnly {
  let path = options.model ?? (options.outputDirectory + "/" + options.version + ".safetensors")
  guard let data = FileManager.default.contents(atPath: path) else {
    FileHandle.standardError.write(Data("workcell-train: cannot read \(path)\n".utf8))
    exit(1)
  }
  do {
    let model = try PolicyModel(bytes: [UInt8](data))
    let seeds = (0..<UInt64(options.evalSeeds)).map { options.firstEvalSeed + $0 }
    // As the policy service does: a model's chunks kept inside the planner's joint limits.
    let limiter = ChunkLimiter()
    if let latencyMs = options.throughControlLatencyMs {
      let (tally, refused) = ControlledLoop.evaluate(
        act: { observation, last in
          limiter.limit(model.act(observation.following(last)), measuredRad: observation.armJointPositionsRad)
        }, seeds: seeds, cyclesPerSeed: options.evalCyclesPerSeed,
        config: worldConfig, stepPeriodMs: model.architecture.stepPeriodMs, replanSteps: options.replanSteps,
        latencyMs: latencyMs, balanceCorrection: !options.noBalanceCorrection,
        trace: options.traceEval ? { say("  " + $0) } : nil)
      say(
        "policy through control (latency \(latencyMs) ms): \(tally.fastened)/\(tally.cycles) fastened (\(tally.summary)); "
          + "failures by the step reached: \(tally.failureSteps); chunks refused \(refused)")
      exit(writeReport(tally, driver: model.architecture.version, seeds: seeds, options: options, latencyMs: latencyMs))
    }
    let tally = ClosedLoop.evaluatePolicy(
      model: model, seeds: seeds, cyclesPerSeed: options.evalCyclesPerSeed, config: worldConfig,
      replanSteps: options.replanSteps, trace: options.traceEval ? { say("  " + $0) } : nil)
    say("policy: \(tally.fastened)/\(tally.cycles) fastened (\(tally.summary)); failures by the step reached: \(tally.failureSteps)")
    exit(writeReport(tally, driver: model.architecture.version, seeds: seeds, options: options))
  } catch {
    FileHandle.standardError.write(Data("workcell-train: \(error)\n".utf8))
    exit(1)
  }
  exit(0)
}
let trainSeeds = (0..<UInt64(options.trainSeeds)).map { options.firstTrainSeed + $0 }
say("recording \(options.cyclesPerSeed) expert cycles on each of \(trainSeeds.count) worlds (seeds \(trainSeeds.first!)…\(trainSeeds.last!))")
let recordStart = clock.now
let recording = Demonstrations.Recording(
  chunkSteps: options.chunkSteps, stepPeriodMs: options.stepPeriodMs, widthJitterM: options.widthJitterMm / 1000,
  jointNoiseRad: options.jointNoiseRad)
let demonstrations = Demonstrations.record(
  seeds: trainSeeds, cyclesPerSeed: options.cyclesPerSeed, recording: recording, config: worldConfig
) { done, sofar in
  if done % 10 == 0 || done == trainSeeds.count {
    say("  worlds \(done)/\(trainSeeds.count): \(sofar.cycles) cycles, \(sofar.count) samples")
  }
}
let recordingSeconds = seconds(clock.now - recordStart)
say(
  "recorded \(demonstrations.count) samples in \(recordingSeconds.formatted(digits: 1)) s; expert outcomes: "
    + demonstrations.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
    .joined(separator: ", "))

let valuesPerStep = 9
let outputs = options.chunkSteps * valuesPerStep
var features = Matrix(rows: demonstrations.count, columns: PolicyFeatures.count, values: demonstrations.features)
var targets = Matrix(rows: demonstrations.count, columns: outputs, values: demonstrations.targets)
let validationSeedCount = max(1, Int((Double(trainSeeds.count) * options.validationFraction).rounded()))
let firstValidationSeed = trainSeeds[trainSeeds.count - validationSeedCount]
var trainRows = demonstrations.sampleSeeds.indices.filter { demonstrations.sampleSeeds[$0] < firstValidationSeed }
let validationRows = demonstrations.sampleSeeds.indices.filter { demonstrations.sampleSeeds[$0] >= firstValidationSeed }

var trainerConfig = MLPTrainer.Config()
trainerConfig.hiddenSizes = options.hiddenSizes
trainerConfig.activation = activation
trainerConfig.epochs = options.epochs
trainerConfig.batchSize = options.batchSize
trainerConfig.learningRate = options.learningRate
trainerConfig.seed = options.seed
var trainer = MLPTrainer(config: trainerConfig, features: features, targets: targets, valuesPerStep: valuesPerStep)
say(
  "training \(trainer.layerSizes.map(String.init).joined(separator: "→")) (\(activation.rawValue)) on \(trainRows.count) samples, validating on \(validationRows.count)"
)
let architecture = PolicyArchitecture(
  version: options.version, layerSizes: trainer.layerSizes, activation: activation, chunkSteps: options.chunkSteps,
  stepPeriodMs: options.stepPeriodMs, jointNames: RobotDescription.reference.workingArmJointNames,
  gripperNames: [RobotDescription.reference.workingGripperName])
let trainStart = clock.now
func reportEpoch(_ r: MLPTrainer.EpochReport) {
  say(
    "  epoch \(r.epoch): train MSE \(r.trainLoss.formatted(digits: 4)), validation MSE \(r.validationLoss.formatted(digits: 4)) (\(r.seconds.formatted(digits: 1)) s)"
  )
}
let epochs = trainer.fit(features: features, targets: targets, trainRows: trainRows, validationRows: validationRows, report: reportEpoch)
var takeovers = Demonstrations()
var daggerEpochs: [MLPTrainer.EpochReport] = []
var daggerTally: ClosedLoop.Tally?
let daggerSeeds = (0..<UInt64(options.daggerSeeds)).map { options.firstDaggerSeed + $0 }
if !daggerSeeds.isEmpty, options.daggerEpochs > 0 {
  let first: PolicyModel
  do {
    first = try trainer.model(architecture: architecture)
  } catch {
    FileHandle.standardError.write(Data("workcell-train: trained model is invalid: \(error)\n".utf8))
    exit(1)
  }
  daggerTally = ClosedLoop.evaluatePolicy(
    model: first, seeds: Array(daggerSeeds.prefix(10)), cyclesPerSeed: 1, config: worldConfig,
    replanSteps: options.replanSteps)
  say("DAgger: the first model fastens \(daggerTally!.fastened)/\(daggerTally!.cycles) on seeds \(daggerSeeds.first!)… (\(daggerTally!.summary))")
  takeovers = Demonstrations.recordTakeovers(
    model: first, seeds: daggerSeeds, takeoversPerSeed: options.takeoversPerSeed, replanSteps: options.replanSteps,
    recording: recording, config: worldConfig)
  say("DAgger: \(takeovers.cycles) expert takeovers on \(daggerSeeds.count) worlds, \(takeovers.count) samples; training on both for \(options.daggerEpochs) epochs")
  var all = demonstrations
  all.append(takeovers)
  features = Matrix(rows: all.count, columns: PolicyFeatures.count, values: all.features)
  targets = Matrix(rows: all.count, columns: outputs, values: all.targets)
  trainRows += Array(demonstrations.count..<all.count)
  daggerEpochs = trainer.fit(
    features: features, targets: targets, trainRows: trainRows, validationRows: validationRows,
    epochs: options.daggerEpochs, report: reportEpoch)
}
let trainingSeconds = seconds(clock.now - trainStart)

let trained: PolicyModel
do {
  trained = try trainer.model(architecture: architecture)
} catch {
  FileHandle.standardError.write(Data("workcell-train: trained model is invalid: \(error)\n".utf8))
  exit(1)
}
let extraMetadata = [
  "trained_by": "workcell-train",
  "train_seeds": "\(trainSeeds.first!)-\(trainSeeds.last!)",
  "cycles_per_seed": String(options.cyclesPerSeed),
  "samples": String(demonstrations.count),
  "epochs": String(options.epochs),
  "seed": String(options.seed),
  "target": "joint targets relative to the observed joints (rad), gripper width (m), grip force (N)",
]
let bytes: [UInt8]
let model: PolicyModel
do {
  bytes = try trained.file(extraMetadata: extraMetadata).encoded()
  model = try PolicyModel(bytes: bytes)
} catch {
  FileHandle.standardError.write(Data("workcell-train: could not encode the model: \(error)\n".utf8))
  exit(1)
}

// Validation RMS joint-target error in radians (physical units).
var squared = 0.0
var count = 0
for start in stride(from: 0, to: validationRows.count, by: 1024) {
  let rows = Array(validationRows[start..<min(start + 1024, validationRows.count)])
  var x = Matrix(rows: rows.count, columns: features.columns)
  for (r, source) in rows.enumerated() { for c in 0..<features.columns { x[r, c] = features[source, c] } }
  let y = model.forward(x)
  for (r, source) in rows.enumerated() {
    for c in 0..<outputs where c % valuesPerStep < 7 {
      let d = Double(y[r, c] - targets[source, c])
      squared += d * d
      count += 1
    }
  }
}
let validationJointRmsRad = (squared / Double(max(count, 1))).squareRoot()
say("validation RMS joint-target error \((validationJointRmsRad * 1000).formatted(digits: 2)) mrad")

let evalSeeds = (0..<UInt64(options.evalSeeds)).map { options.firstEvalSeed + $0 }
say("closed loop on \(evalSeeds.count) held-out worlds × \(options.evalCyclesPerSeed) cycles")
let policyTally = ClosedLoop.evaluatePolicy(
  model: model, seeds: evalSeeds, cyclesPerSeed: options.evalCyclesPerSeed, config: worldConfig,
  replanSteps: options.replanSteps)
say("  policy: \(policyTally.fastened)/\(policyTally.cycles) fastened (\(policyTally.summary)); failures by the step reached: \(policyTally.failureSteps)")
let expertTally = ClosedLoop.evaluateExpert(seeds: evalSeeds, cyclesPerSeed: options.evalCyclesPerSeed, config: worldConfig)
say("  expert: \(expertTally.fastened)/\(expertTally.cycles) fastened (\(expertTally.summary))")

var sampleObservations: [PolicyObservation] = []
do {
  var world = CellWorld(seed: 7, config: worldConfig)
  var observer = SimObserver(robot: 0, seed: 7)
  world.presentNut(robot: 0)
  for i in 0..<8 { sampleObservations.append(observer.observe(world: &world, sequence: UInt64(i))) }
}
let latency = [1, 8].map { LatencyBenchmark.measure(model: model, observations: sampleObservations, batch: $0) }
for l in latency {
  say("latency batch \(l.batch): p50 \(l.p50Us.formatted(digits: 1)) µs, p99 \(l.p99Us.formatted(digits: 1)) µs")
}

let card = ModelCard(
  options: options, model: model, fileBytes: bytes.count, demonstrations: demonstrations, takeovers: takeovers,
  daggerEpochs: daggerEpochs, firstModel: daggerTally,
  trainSamples: trainRows.count, validationSamples: validationRows.count, epochs: epochs,
  trainingSeconds: trainingSeconds, recordingSeconds: recordingSeconds, validationJointRmsRad: validationJointRmsRad,
  policy: policyTally, expert: expertTally, latency: latency)
do {
  try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
  let base = options.outputDirectory + "/" + options.version
  try Data(bytes).write(to: URL(fileURLWithPath: base + ".safetensors"))
  try Data(card.markdown().utf8).write(to: URL(fileURLWithPath: base + ".md"))
  say("wrote \(base).safetensors (\(bytes.count) bytes) and \(base).md")
} catch {
  FileHandle.standardError.write(Data("workcell-train: could not write the model: \(error)\n".utf8))
  exit(1)
}
