#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The feature encodings this runtime reads; a model file names its own (`feature_version`) and
/// is encoded with it.
///
/// `wc-features-3` is `wc-features-2` (``PolicyFeatures``, 41 floats) followed by 24 floats about
/// the arm's motion and the chunk it tracks — what the scripted planner's chunks depend on, so a
/// network trained on its labels can see it:
///
/// | index | feature |
/// |---|---|
/// | 41–47 | measured joint velocities, rad/s (0 when not given) |
/// | 48–54 | tracked reference − measured joint positions, rad |
/// | 55–61 | tracked reference's joint velocities, rad/s |
/// | 62 | tracked gripper width target, m |
/// | 63 | age of the tracked chunk, s |
/// | 64 | a chunk of this cycle step is tracked (0/1) |
///
/// "Tracked" is ``PolicyObservation/tracked`` (``PolicyObservation/following(_:)``). Without one,
/// or when it was planned for another cycle step (the planner then starts afresh too), 48–63 are
/// 0 except 62, the measured width.
public enum PolicyFeatureVersion: String, Sendable, CaseIterable {
  case v2 = "wc-features-2"
  case v3 = "wc-features-3"

  /// Floats per observation.
  public var count: Int {
    switch self {
    case .v2: PolicyFeatures.count
    case .v3: PolicyFeatures.count + 24
    }
  }

  /// One name per feature, in encoding order.
  public var names: [String] {
    switch self {
    case .v2: return PolicyFeatures.names
    case .v3:
      var names = PolicyFeatures.names
      let joints = PolicyFeatures.armJointNames
      names += joints.map { "\($0).velocity_rad_per_s" }
      names += joints.map { "tracked.\($0).offset_rad" }
      names += joints.map { "tracked.\($0).velocity_rad_per_s" }
      names += ["tracked.\(PolicyFeatures.gripperName).width_m", "tracked.age_s", "tracked.same_step"]
      return names
    }
  }

  /// Writes `observation`'s features into `row[0..<count]`.
  public func encode(_ observation: PolicyObservation, into row: UnsafeMutableBufferPointer<Float>) {
    precondition(row.count >= count, "feature row too short")
    PolicyFeatures.encode(observation, into: row)
    guard self == .v3 else { return }
    let base = PolicyFeatures.count
    let n = PolicyFeatures.armJointCount
    let measured = observation.armJointPositionsRad
    let velocities = observation.armJointVelocitiesRadPerS
    for j in 0..<n { row[base + j] = j < velocities.count ? Float(velocities[j]) : 0 }
    let tracked = observation.tracked.flatMap {
      $0.cycleStep == observation.cycleStep && $0.positionsRad.count == n && measured.count == n ? $0 : nil
    }
    for j in 0..<n {
      row[base + n + j] = tracked.map { Float($0.positionsRad[j] - measured[j]) } ?? 0
      row[base + 2 * n + j] = tracked.map { Float($0.velocitiesRadPerS[j]) } ?? 0
    }
    row[base + 3 * n] = Float(tracked?.gripperWidthM ?? observation.gripperWidthM)
    row[base + 3 * n + 1] = Float(tracked?.ageS ?? 0)
    row[base + 3 * n + 2] = tracked == nil ? 0 : 1
  }

  /// The features of a batch of observations, one row each.
  public func matrix(_ observations: [PolicyObservation]) -> Matrix {
    let count = count
    var m = Matrix(rows: observations.count, columns: count)
    m.values.withUnsafeMutableBufferPointer { p in
      for (r, observation) in observations.enumerated() {
        encode(observation, into: UnsafeMutableBufferPointer(rebasing: p[(r * count)..<((r + 1) * count)]))
      }
    }
    return m
  }
}
