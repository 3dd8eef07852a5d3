extension PolicyModel {
  /// One chunk per observation, from one batched forward pass; chunk i answers observation i.
  /// Each observation is encoded with the model's feature version (`wc-features-3` reads
  /// ``PolicyObservation/tracked``: set it with ``PolicyObservation/following(_:)``).
  public func act(_ observations: [PolicyObservation]) -> [PolicyChunk] {
    guard !observations.isEmpty else { return [] }
    let outputs = forward(architecture.features.matrix(observations))
    return observations.indices.map { decodeChunk(outputs.row($0), for: observations[$0]) }
  }

  /// One chunk for one observation.
  public func act(_ observation: PolicyObservation) -> PolicyChunk { act([observation])[0] }

  /// A chunk from one row of raw outputs: per step, joint targets relative to the observed
  /// joints (added to them here), then gripper width and grip force (absolute, clamped ≥ 0).
  public func decodeChunk(_ output: [Float], for observation: PolicyObservation) -> PolicyChunk {
    let a = architecture
    let joints = a.jointNames.count
    let perStep = a.valuesPerStep
    precondition(output.count == a.chunkSteps * perStep, "decodeChunk: output row has the wrong size")
    var steps: [PolicyActionStep] = []
    steps.reserveCapacity(a.chunkSteps)
    for s in 0..<a.chunkSteps {
      let base = s * perStep
      var targets = [Double](repeating: 0, count: joints)
      for j in 0..<joints {
        let current = j < observation.armJointPositionsRad.count ? observation.armJointPositionsRad[j] : 0
        targets[j] = current + Double(output[base + j])
      }
      var widths: [Double] = []
      var forces: [Double] = []
      for g in 0..<a.gripperNames.count {
        widths.append(max(Double(output[base + joints + 2 * g]), 0))
        forces.append(max(Double(output[base + joints + 2 * g + 1]), 0))
      }
      steps.append(PolicyActionStep(jointPositionsRad: targets, gripperWidthsM: widths, gripForcesN: forces))
    }
    let horizonS = Double(a.chunkSteps * a.stepPeriodMs) / 1000
    return PolicyChunk(
      modelVersion: a.version, sequence: observation.sequence, observedAtS: observation.observedAtS,
      expiresAtS: observation.observedAtS + horizonS, stepPeriodMs: a.stepPeriodMs, jointNames: a.jointNames,
      gripperNames: a.gripperNames, cycleStep: observation.cycleStep, steps: steps)
  }
}
