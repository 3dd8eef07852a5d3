import PolicyRuntime
import WorkcellRuntime

/// The models loaded and which one answers. Activation swaps the batcher's model; requests
/// already batched finish on the old one.
actor PolicyModels {
  private var loaded: [String: LoadedModel] = [:]
  private var order: [String] = []
  /// Version of the model that answers.
  private(set) var activeVersion: String
  /// The batcher every Act and Session goes through.
  let batcher: PolicyBatcher

  init(initial: LoadedModel, batcher config: PolicyBatcher.Config) {
    loaded[initial.version] = initial
    order = [initial.version]
    activeVersion = initial.version
    batcher = PolicyBatcher(model: initial.model, config: config)
  }

  /// Every loaded model in load order.
  var all: [LoadedModel] { order.compactMap { loaded[$0] } }

  /// The model that answers.
  var active: LoadedModel { loaded[activeVersion]! }

  /// Registers a loaded model. The same version again replaces it if the file is the same (same
  /// SHA-256); another file under a loaded version is ALREADY_EXISTS.
  func register(_ model: LoadedModel) throws(WorkcellError) {
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
    guard let model = loaded[version] else {
      throw WorkcellError(
        .notFound, "Model '\(version)' is not loaded (loaded: \(order.joined(separator: ", "))); LoadModel it first.")
    }
    let previous = activeVersion
    activeVersion = version
    await batcher.activate(model.model)
    return previous
  }
}
