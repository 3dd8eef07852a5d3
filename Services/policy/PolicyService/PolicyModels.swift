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
  /// Robots answered by another version than the active one (canaries), by robot id.
  private(set) var canaries: [String: String] = [:]
  /// A batcher per canary model version (the active one's is `batcher`).
  private var canaryBatchers: [String: PolicyBatcher] = [:]
  private let batcherConfig: PolicyBatcher.Config
  /// The built-in scripted planner, listed under `ScriptedChunkPlanner.version`; it answers
  /// instead of the batcher while it is the active version.
  let planner: ScriptedChunkPlanner
  /// Keeps a model's chunks inside the planner's joint limits.
  let limiter: ChunkLimiter
  /// When the service started (the planner's "loaded at").
  let startedAt = Date()
  /// The version computing chunks in the shadow of the answering one (never executed); nil = none.
  private(set) var shadowVersion: String?
  /// The shadow model's batcher (nil while the shadow is the planner or none runs).
  private var shadowBatcher: PolicyBatcher?
  /// The version that answered every robot before the last full activation (what a rollback
  /// goes back to).
  private(set) var previousActiveVersion: String?

  init(initial: LoadedModel, batcher config: PolicyBatcher.Config, planner: ScriptedChunkPlanner, plannerActive: Bool) {
    loaded[initial.version] = initial
    order = [initial.version]
    activeVersion = plannerActive ? ScriptedChunkPlanner.version : initial.version
    batcher = PolicyBatcher(model: initial.model, config: config)
    batcherConfig = config
    self.planner = planner
    limiter = ChunkLimiter(config: planner.config)
  }

  /// The model whose features the observation for `robot` is shaped to (a canary's model, else
  /// the active one's; the planner reads the same features).
  func model(for robot: String) async -> PolicyModel {
    if let version = canaries[robot], let canary = canaryBatchers[version] { return await canary.model }
    return await batcher.model
  }

  /// The version that answers `robot`: its canary's, else the active one.
  func version(for robot: String) -> String { canaries[robot] ?? activeVersion }

  /// Plans or infers `observation` for `robot` with the version that answers it: the scripted
  /// planner (from the robot's last plan), the active model's batcher, or a canary's batcher.
  /// Returns the chunk and the batcher used (nil for the planner).
  func answer(_ observation: PolicyObservation, robot: String) async -> (PolicyChunk, PolicyBatcher?) {
    let version = version(for: robot)
    if version == ScriptedChunkPlanner.version {
      let chunk = planner.plan(observation, previous: lastPlans[robot])
      lastPlans[robot] = chunk
      return (chunk, nil)
    }
    let chosen = version == activeVersion ? batcher : canaryBatchers[version] ?? batcher
    // A model reading wc-features-3 sees the chunk the robot tracks, as the planner does.
    // Kept inside the limits the planner keeps to (ChunkLimiter), so control does not refuse it.
    let chunk = limiter.limit(await chosen.act(observation.following(lastPlans[robot])), measuredRad: observation.armJointPositionsRad)
    lastPlans[robot] = chunk
    return (chunk, chosen)
  }

  /// The shadow's chunk for the observation `robot` was just answered on (nil when no shadow
  /// runs, or the shadow is the version that answers `robot`). The planner as shadow plans on
  /// from the chunk the robot was given last, the one it tracks.
  func shadowAnswer(_ observation: PolicyObservation, robot: String, answered: PolicyChunk) async -> PolicyChunk? {
    guard let shadowVersion, shadowVersion != version(for: robot) else { return nil }
    if shadowVersion == ScriptedChunkPlanner.version { return planner.plan(observation, previous: answered) }
    guard let shadowBatcher else { return nil }
    return limiter.limit(await shadowBatcher.act(observation.following(answered)), measuredRad: observation.armJointPositionsRad)
  }

  /// Runs `version` in the shadow (nil: none); returns the shadow before.
  func shadow(_ version: String?) throws(WorkcellError) -> String? {
    let previous = shadowVersion
    guard let version else {
      shadowVersion = nil
      shadowBatcher = nil
      return previous
    }
    if version == ScriptedChunkPlanner.version {
      shadowBatcher = nil
    } else {
      guard let model = loaded[version] else {
        throw WorkcellError(
          .notFound, "Model '\(version)' is not loaded (loaded: \((order + [ScriptedChunkPlanner.version]).joined(separator: ", "))); LoadModel it first.")
      }
      if shadowVersion != version { shadowBatcher = PolicyBatcher(model: model.model, config: batcherConfig) }
    }
    shadowVersion = version
    return previous
  }

  /// Makes the version that answered every robot before the last full activation answer again
  /// and ends every canary; with no earlier activation, only ends the canaries. Returns the
  /// version that answered before (the active one).
  func rollback() async throws(WorkcellError) -> String {
    let current = activeVersion
    guard let previous = previousActiveVersion else {
      guard !canaries.isEmpty else {
        throw WorkcellError(
          .failedPrecondition,
          "Nothing to roll back: '\(current)' has answered every robot since the start and no canary runs.")
      }
      canaries = [:]
      canaryBatchers = [:]
      return current
    }
    _ = try await activate(previous)
    return current
  }

  /// Makes `version` answer `robots` only (a canary; the active version answers the rest).
  /// Returns the version that answered the first of them before.
  func activate(_ version: String, robots: [String]) throws(WorkcellError) -> String {
    guard version == ScriptedChunkPlanner.version || loaded[version] != nil else {
      throw WorkcellError(
        .notFound, "Model '\(version)' is not loaded (loaded: \((order + [ScriptedChunkPlanner.version]).joined(separator: ", "))); LoadModel it first.")
    }
    let previous = self.version(for: robots[0])
    for robot in robots {
      if version == activeVersion { canaries.removeValue(forKey: robot) } else { canaries[robot] = version }
    }
    if version != ScriptedChunkPlanner.version, version != activeVersion, canaryBatchers[version] == nil, let model = loaded[version] {
      canaryBatchers[version] = PolicyBatcher(model: model.model, config: batcherConfig)
    }
    let inUse = Set(canaries.values)
    canaryBatchers = canaryBatchers.filter { inUse.contains($0.key) }
    return previous
  }

  /// The last chunk each robot was given, by whichever version (the scripted planner's warm start).
  private var lastPlans: [String: PolicyChunk] = [:]

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
      if previous != version { previousActiveVersion = previous }
      activeVersion = version
      canaries = [:]
      canaryBatchers = [:]
      return previous
    }
    guard let model = loaded[version] else {
      throw WorkcellError(
        .notFound, "Model '\(version)' is not loaded (loaded: \((order + [ScriptedChunkPlanner.version]).joined(separator: ", "))); LoadModel it first.")
    }
    let previous = activeVersion
    if previous != version { previousActiveVersion = previous }
    activeVersion = version
    await batcher.activate(model.model)
    canaries = [:]
    canaryBatchers = [:]
    return previous
  }
}
