/// What a policy file's `__metadata__` says about the network and its chunks. Every value is a
/// string there (safetensors allows nothing else); docs/policy.md lists the keys.
public struct PolicyArchitecture: Sendable, Hashable {
  /// Model version, e.g. "mlp-2026-11-26-a" (`version`).
  public var version: String
  /// Widths from input features to outputs, e.g. [41, 256, 256, 270] (`layer_sizes`, comma-separated).
  public var layerSizes: [Int]
  /// Hidden-layer nonlinearity (`activation`: relu, gelu, tanh).
  public var activation: Activation
  /// Steps per chunk (`chunk_steps`).
  public var chunkSteps: Int
  /// Time between steps, milliseconds (`step_period_ms`).
  public var stepPeriodMs: Int
  /// Arm joint names, in feature and target order (`joint_names`, comma-separated).
  public var jointNames: [String]
  /// Gripper names (`gripper_names`, comma-separated; one gripper today).
  public var gripperNames: [String]
  /// Feature encoding the model was trained on (`feature_version`); one of ``PolicyFeatureVersion``.
  public var featureVersion: String

  /// The encoding `featureVersion` names (`wc-features-2` for a name this runtime does not read;
  /// a file with one is refused when it loads).
  public var features: PolicyFeatureVersion { PolicyFeatureVersion(rawValue: featureVersion) ?? .v2 }

  /// Metadata key naming the file format; its value is ``formatName``.
  public static let formatKey = "format"
  /// The `format` value of Workcell policy files.
  public static let formatName = "workcell-policy-mlp"

  /// An architecture from its parts.
  public init(
    version: String, layerSizes: [Int], activation: Activation, chunkSteps: Int, stepPeriodMs: Int,
    jointNames: [String], gripperNames: [String], featureVersion: String = PolicyFeatures.version
  ) {
    self.version = version
    self.layerSizes = layerSizes
    self.activation = activation
    self.chunkSteps = chunkSteps
    self.stepPeriodMs = stepPeriodMs
    self.jointNames = jointNames
    self.gripperNames = gripperNames
    self.featureVersion = featureVersion
  }

  /// Outputs per chunk step: one per joint, then per gripper its width and its force.
  public var valuesPerStep: Int { jointNames.count + 2 * gripperNames.count }

  /// Reads and checks the architecture from `__metadata__`.
  public init(metadata: [String: String]) throws(PolicyModelError) {
    func value(_ key: String) throws(PolicyModelError) -> String {
      guard let text = metadata[key], !text.isEmpty else {
        throw PolicyModelError(.invalidMetadata, "__metadata__ has no \"\(key)\"")
      }
      return text
    }
    func positive(_ key: String) throws(PolicyModelError) -> Int {
      let text = try value(key)
      guard let number = Int(text), number > 0 else {
        throw PolicyModelError(.invalidMetadata, "__metadata__ \"\(key)\" = \"\(text)\" is not a positive integer")
      }
      return number
    }
    guard metadata[Self.formatKey] == Self.formatName else {
      throw PolicyModelError(
        .invalidMetadata, "__metadata__ \"format\" is \"\(metadata[Self.formatKey] ?? "")\", expected \"\(Self.formatName)\"")
    }
    version = try value("version")
    let sizesText = try value("layer_sizes")
    let sizes = sizesText.split(separator: ",").map { Int($0.trimmingSpaces) }
    guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw PolicyModelError(.invalidMetadata, "__metadata__ \"layer_sizes\" = \"\(sizesText)\" is not ≥ 2 positive integers")
    }
    layerSizes = sizes.map { $0! }
    let activationText = try value("activation")
    guard let activation = Activation(rawValue: activationText) else {
      throw PolicyModelError(.invalidMetadata, "__metadata__ \"activation\" = \"\(activationText)\" is not relu, gelu or tanh")
    }
    self.activation = activation
    chunkSteps = try positive("chunk_steps")
    stepPeriodMs = try positive("step_period_ms")
    jointNames = try value("joint_names").split(separator: ",").map { String($0.trimmingSpaces) }
    gripperNames = try value("gripper_names").split(separator: ",").map { String($0.trimmingSpaces) }
    featureVersion = try value("feature_version")
    guard let encoding = PolicyFeatureVersion(rawValue: featureVersion) else {
      throw PolicyModelError(
        .invalidMetadata,
        "model uses features \"\(featureVersion)\"; this runtime encodes \(PolicyFeatureVersion.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " and "))")
    }
    guard jointNames.count == PolicyFeatures.armJointCount, gripperNames.count == 1 else {
      throw PolicyModelError(
        .invalidMetadata,
        "model has \(jointNames.count) joints and \(gripperNames.count) grippers; features have \(PolicyFeatures.armJointCount) and 1")
    }
    guard layerSizes.first == encoding.count else {
      throw PolicyModelError(
        .invalidMetadata, "model takes \(layerSizes.first ?? 0) inputs; features \"\(featureVersion)\" have \(encoding.count)")
    }
    guard layerSizes.last == chunkSteps * valuesPerStep else {
      throw PolicyModelError(
        .invalidMetadata,
        "model gives \(layerSizes.last ?? 0) outputs; \(chunkSteps) steps × \(valuesPerStep) values need \(chunkSteps * valuesPerStep)")
    }
  }

  /// The `__metadata__` entries that describe this architecture.
  public var metadata: [String: String] {
    [
      Self.formatKey: Self.formatName,
      "version": version,
      "layer_sizes": layerSizes.map(String.init).joined(separator: ","),
      "activation": activation.rawValue,
      "chunk_steps": String(chunkSteps),
      "step_period_ms": String(stepPeriodMs),
      "joint_names": jointNames.joined(separator: ","),
      "gripper_names": gripperNames.joined(separator: ","),
      "feature_version": featureVersion,
    ]
  }
}

extension Substring {
  fileprivate var trimmingSpaces: Substring {
    var s = self
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return s
  }
}
