import SimulatedTime
import ArgumentParser
import PolicyRuntime
import WholeBodyControl
import WorkcellRuntime

/// policy's own flags: the model answering at start, batching across robots, and the cell
/// layout that fills what the proto observation lacks.
public struct PolicyOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "The safetensors model loaded and activated at start.",
      discussion:
        "Env: WORKCELL_POLICY_MODEL. Default: models/policy/wc-mlp-2.safetensors, relative to the working "
        + "directory (run from the repository root). A missing or invalid file fails the start."))
  var model: String?

  @Option(
    help: ArgumentHelp(
      "Longest a batch waits for more robots after its first request, ms.",
      discussion: "Env: WORKCELL_POLICY_BATCH_WINDOW_MS. Default: 2."))
  var batchWindowMs: Int?

  @Option(
    help: ArgumentHelp(
      "Most observations per forward pass.", discussion: "Env: WORKCELL_POLICY_MAX_BATCH. Default: 8."))
  var maxBatch: Int?

  @Option(
    name: .customLong("robot-base"),
    help: ArgumentHelp(
      "A robot's base in the world frame as ROBOT=X,Y,Z (m); repeat per robot. Moves world-frame nut poses into the robot frame.",
      discussion:
        "Env: WORKCELL_POLICY_ROBOT_BASES (';'-separated). Default: left=0,1,0 and right=0,-1,0 (the robot description's, cell-sim's cell)."
    ))
  var robotBases: [String] = []

  @Option(
    help: ArgumentHelp(
      "The fixture pin's seat in the robot frame, X,Y,Z (m).",
      discussion: "Env: WORKCELL_POLICY_PIN_SEAT_M. Default: 0.55,-0.05,0.776 (the robot description's, cell-sim's cell)."))
  var pinSeatM: String?

  @Option(
    help: ArgumentHelp(
      "The working (right) arm's base in the robot frame, X,Y,Z (m); the TCP is this plus forward kinematics.",
      discussion: "Env: WORKCELL_POLICY_ARM_BASE_M. Default: 0.10,-0.20,0.80 (the robot description's, cell-sim's cell)."))
  var armBaseM: String?

  @Option(
    help: ArgumentHelp(
      "What answers at start: model (the --model file) or scripted (the built-in scripted planner).",
      discussion:
        "Env: WORKCELL_POLICY_PLANNER. Default: model. The scripted planner (docs/policy.md, \"The scripted planner\") "
        + "plans straight Cartesian moves from the same observation, without a network: the baseline a model is "
        + "measured against. Either can be activated later with ActivateModel (the planner's version is "
        + "scripted-planner-4); the model file is loaded either way."))
  var planner: String?

  @Option(
    help: ArgumentHelp(
      "Modelled inference latency: MS (fixed) or MS,MS,…@SEED (one value per call, drawn with the seed).",
      discussion:
        "Env: WORKCELL_POLICY_LATENCY_MS. Default: 0. Each Act answers this long after it was asked, on the "
        + "fleet's clock: on simulated time a latency sweep (0 / 50 / 100 / 150 ms) is exact and repeatable, "
        + "whatever the machine's load (docs/simulation.md)."))
  var latencyMs: String?

  @Option(
    help: ArgumentHelp(
      "Canaries at start: ROBOT=VERSION,… — that robot is answered by VERSION (model or scripted), the others by what --planner chose.",
      discussion:
        "Env: WORKCELL_POLICY_CANARY. Default: none. VERSION is scripted-planner-4 or the --model file's version "
        + "(e.g. right=wc-mlp-2). Later: ActivateModel with robots set; ActivateModel without robots ends every "
        + "canary (the rollback). Every cycle record names the version that drove it, so yield's "
        + "group_by=model_version compares them."))
  var canary: String?

  @Option(
    help: ArgumentHelp(
      "A model run in the shadow from the start: VERSION (a loaded model or scripted-planner-4) computes a chunk for every observation, never executed.",
      discussion:
        "Env: WORKCELL_POLICY_SHADOW. Default: none. Each answer's ActResponse.shadow and the metric "
        + "workcell_policy_shadow_divergence_radians give how far the shadow's chunk is from the answered one "
        + "(joint-space RMS over --shadow-prefix-steps); the cell records it in the episode. Later: the ShadowModel RPC."))
  var shadow: String?

  @Option(
    help: ArgumentHelp(
      "Steps a shadow's chunk is compared over: the part of a chunk a robot executes before it replans.",
      discussion: "Env: WORKCELL_POLICY_SHADOW_PREFIX_STEPS. Default: 5 (the cell replans every 100 ms, 5 steps of 20 ms)."))
  var shadowPrefixSteps: Int?

  public init() {}

  /// Flags merged with the environment and defaults, validated.
  func resolve(environment: [String: String]) throws -> PolicyConfig {
    let env = EnvironmentDefaults(environment)
    let path = try env.value(model, "WORKCELL_POLICY_MODEL", default: "models/policy/wc-mlp-2.safetensors")
    let window = try env.value(batchWindowMs, "WORKCELL_POLICY_BATCH_WINDOW_MS", default: 2)
    guard (0...1000).contains(window) else {
      throw ValidationError("--batch-window-ms must be 0–1000, got \(window).")
    }
    let maxBatchSize = try env.value(maxBatch, "WORKCELL_POLICY_MAX_BATCH", default: 8)
    guard (1...256).contains(maxBatchSize) else {
      throw ValidationError("--max-batch must be 1–256, got \(maxBatchSize).")
    }
    var layout = CellLayout.defaults
    var baseTexts = robotBases
    if baseTexts.isEmpty {
      baseTexts = (environment["WORKCELL_POLICY_ROBOT_BASES"] ?? "").split(separator: ";")
        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    if !baseTexts.isEmpty {
      layout.robotBaseInWorldM = [:]
      for text in baseTexts {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let base = CellLayout.parseVector(parts[1]) else {
          throw ValidationError("--robot-base must be ROBOT=X,Y,Z in metres, got '\(text)'.")
        }
        guard layout.robotBaseInWorldM.updateValue(base, forKey: parts[0]) == nil else {
          throw ValidationError("--robot-base: robot '\(parts[0])' is given twice.")
        }
      }
    }
    if let text = pinSeatM ?? environment["WORKCELL_POLICY_PIN_SEAT_M"] {
      guard let pin = CellLayout.parseVector(text) else {
        throw ValidationError("--pin-seat-m must be X,Y,Z in metres, got '\(text)'.")
      }
      layout.pinSeatInRobotM = pin
    }
    if let text = armBaseM ?? environment["WORKCELL_POLICY_ARM_BASE_M"] {
      guard let arm = CellLayout.parseVector(text) else {
        throw ValidationError("--arm-base-m must be X,Y,Z in metres, got '\(text)'.")
      }
      layout.armBaseInRobotM = arm
    }
    let plannerName = try env.value(planner, "WORKCELL_POLICY_PLANNER", default: "model")
    guard ["model", "scripted"].contains(plannerName) else {
      throw ValidationError("--planner must be model or scripted, got '\(plannerName)'.")
    }
    let latencyText = try env.value(latencyMs, "WORKCELL_POLICY_LATENCY_MS", default: "0")
    let latency: LatencyModel
    do {
      latency = try LatencyModel(parsing: latencyText)
    } catch {
      throw ValidationError("--latency-ms: \(error.description)")
    }
    var canaries: [(robot: String, version: String)] = []
    for entry in try env.value(canary, "WORKCELL_POLICY_CANARY", default: "").split(separator: ",") {
      let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("--canary wants ROBOT=VERSION,…; got '\(entry)'.")
      }
      canaries.append((parts[0], parts[1]))
    }
    let shadowVersion = try env.value(shadow, "WORKCELL_POLICY_SHADOW", default: "")
    let prefix = try env.value(shadowPrefixSteps, "WORKCELL_POLICY_SHADOW_PREFIX_STEPS", default: 5)
    guard (1...1000).contains(prefix) else {
      throw ValidationError("--shadow-prefix-steps must be 1–1000, got \(prefix).")
    }
    return PolicyConfig(
      modelPath: path, batcher: PolicyBatcher.Config(maxBatchSize: maxBatchSize, window: .milliseconds(window)),
      layout: layout, scriptedPlanner: plannerName == "scripted", latency: latency, canaries: canaries,
      shadow: shadowVersion.isEmpty ? nil : shadowVersion, shadowPrefixSteps: prefix)
  }
}
