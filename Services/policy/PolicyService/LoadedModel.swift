import Crypto
import Foundation
import PolicyRuntime
import WorkcellRuntime

/// A model the service has read from disk and verified: the model itself, registered under its
/// version, with where it came from and the file's SHA-256.
struct LoadedModel: Sendable {
  /// The validated model; its architecture's version is the registered version.
  var model: PolicyModel
  /// Path as given (relative paths: the service's working directory).
  var path: String
  /// SHA-256 of the file, lower-case hex.
  var sha256: String
  /// When it was loaded.
  var loadedAt: Date
  /// Whether a model card (`<name>.md`) was found beside the file.
  var hasCard: Bool

  /// The registered version.
  var version: String { model.architecture.version }

  /// Reads, hashes and validates `path`. The version is `version` if not empty, else the model
  /// card's title ("# Policy model card: VERSION"), else the file's metadata.
  /// Throws NOT_FOUND for a missing file, INVALID_ARGUMENT for one that is not a valid model.
  static func load(path: String, version: String) throws(WorkcellError) -> LoadedModel {
    guard !path.isEmpty else { throw WorkcellError(.invalidArgument, "path must name a safetensors model file.") }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw WorkcellError(
        .notFound,
        "No model file at '\(path)' (working directory \(FileManager.default.currentDirectoryPath)).")
    }
    guard !isDirectory.boolValue else {
      throw WorkcellError(.invalidArgument, "'\(path)' is a directory, not a model file.")
    }
    let bytes: [UInt8]
    do {
      bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw WorkcellError(.invalidArgument, "Cannot read '\(path)': \(error.localizedDescription)")
    }
    var model: PolicyModel
    do throws(PolicyModelError) {
      model = try PolicyModel(bytes: bytes)
    } catch {
      let detail = error.cause.map { "safetensors \($0.code.rawValue): \($0.message)" } ?? error.description
      throw WorkcellError(.invalidArgument, "'\(path)' is not a valid policy model: \(detail)", cause: error)
    }
    let cardPath = (path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path) + ".md"
    let card = try? String(contentsOfFile: cardPath, encoding: .utf8)
    let registered = !version.isEmpty ? version : (card.flatMap(cardVersion) ?? model.architecture.version)
    if registered != model.architecture.version {
      var architecture = model.architecture
      architecture.version = registered
      do {
        model = try PolicyModel(
          architecture: architecture, layers: model.layers, inputMean: model.inputMean, inputStd: model.inputStd,
          outputMean: model.outputMean, outputStd: model.outputStd)
      } catch {
        throw WorkcellError(.internal, "Re-versioning '\(path)' as '\(registered)' failed: \(error)")
      }
    }
    let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    return LoadedModel(model: model, path: path, sha256: digest, loadedAt: Date(), hasCard: card != nil)
  }

  /// The version a model card's title names.
  static func cardVersion(_ card: String) -> String? {
    let prefix = "# Policy model card:"
    guard let line = card.split(separator: "\n", maxSplits: 1).first, line.hasPrefix(prefix) else { return nil }
    let version = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
    return version.isEmpty ? nil : version
  }
}
