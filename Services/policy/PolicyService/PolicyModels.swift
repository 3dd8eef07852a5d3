import Foundation
import MotionPlanning
import PolicyRuntime
import WorkcellRuntime

/// The models loaded and which one answers. Activation swaps the batcher's model; requests
/// already batched finish on the old one.
actor PolicyModels {
  private var loaded: [String: LoadedModel] = [:]
  private var order: [String] = []
  /// Version of the model that answers.
  private(set) var activeVersion: String
  /// The batcher every Act and Session goes through while a model answers.
  let batcher: PolicyBatcher
  /// The built-in scripted planner, listed under `ScriptedChunkPlanner.version`; it answers
  /// instead of the batcher while it is the active version.
  let planner: ScriptedChunkPlanner
  /// When the service started (the planner's "loaded at").
  let startedAt = Date()

  init(initial: LoadedModel, batcher config: PolicyBatcher.Config, planner: ScriptedChunkPlanner, plannerActive: Bool) {
    loaded[initial.version] = initial
    order = [initial.version]
    activeVersion = plannerActive ? ScriptedChunkPlanner.version : initial.version
    batcher = PolicyBatcher(model: initial.model, config: config)
    self.planner = planner
  }

  /// The scripted planner's last chunk per robot (its warm start).
  private var lastPlans: [String: PolicyChunk] = [:]

  /// Plans with the scripted planner from the robot's last plan; nil while a model answers.
  func planIfPlannerActive(_ observation: PolicyObservation, robot: String) -> PolicyChunk? {
    guard let planner = activePlanner else { return nil }
    let chunk = planner.plan(observation, previous: lastPlans[robot])
    lastPlans[robot] = chunk
    return chunk
  }

  /// The planner while it is the active version, else nil (the batcher answers).
  var activePlanner: ScriptedChunkPlanner? { activeVersion == ScriptedChunkPlanner.version ? planner : nil }

  /// Every loaded model in load order.
  var all: [LoadedModel] { order.compactMap { loaded[$0] } }

  /// The model that answers.
  var active: LoadedModel { loaded[activeVersion]! }

  /// Registers a loaded model. The same version again replaces it if the file is the same (same
  /// SHA-256); another file under a loaded version is ALREADY_EXISTS.
  func register(_ model: LoadedModel) throws(WorkcellError) {
    guard model.version != ScriptedChunkPlanner.version else {
      throw WorkcellError(
        .alreadyExists, "Version '\(model.version)' is the built-in scripted planner's; load the file under another version.")
    }
    if let existing = loaded[model.version], existing.sha256 != model.sha256 {
      throw WorkcellError(
        .alreadyExists,
        "Version '\(model.version)' is already loaded from '\(existing.path)' (sha256 \(existing.sha256.prefix(12))…), "
          + "a different file; load this one under another version.")
    }
    if loaded[model.version] == nil { order.append(model.version) } else { return }
    loaded[model.version] = model
  }

  /// Makes a loaded version the one that answers; returns the version active before.
  func activate(_ version: String) async throws(WorkcellError) -> String {
    if version == ScriptedChunkPlanner.version {
      let previous = activeVersion
      activeVersion = version
      return previous
    }
    guard let model = loaded[version] else {
      throw WorkcellError(
        .notFound, "Model '\(version)' is not loaded (loaded: \((order + [ScriptedChunkPlanner.version]).joined(separator: ", "))); LoadModel it first.")
    }
    let previous = activeVersion
    activeVersion = version
    await batcher.activate(model.model)
    return previous
  }
}
