/// An accepted chunk as a C¹ trajectory: Catmull-Rom cubics through the steps (tangents from the
/// neighbouring steps, zero at the last step so the chunk ends at rest), plus a blend offset that
/// starts at the difference between the command in force at acceptance and the chunk (position
/// and velocity) and decays to zero over the blend time along a cubic Hermite — so a superseding
/// chunk takes over without a jump in position or velocity. Evaluated once a tick into
/// preallocated arrays.
struct ChunkTrajectory: Sendable {
  let chunk: ActionChunk
  /// Bus index of each of the chunk's joints.
  let busJoint: [Int]
  /// Bus index of each of the chunk's grippers.
  let busGripper: [Int]
  /// Step-major tangents, rad/s.
  let tangentsRadPerS: [Double]
  /// First step still in the future at acceptance (progress starts there).
  let entryStep: Int
  /// When the blend starts (acceptance).
  let blendStartNanoseconds: UInt64
  /// How long the blend offset takes to decay, seconds: at least the configured blend, longer
  /// when the offset is large enough that its peak acceleration would pass half a joint's limit.
  private(set) var blendS: Double
  /// Blend offset at acceptance per chunk joint: command in force minus chunk.
  private(set) var blendPositionRad: [Double]
  private(set) var blendVelocityRadPerS: [Double]
  /// Gripper width offset at acceptance (chunk gripper order), metres.
  private(set) var blendGripperWidthM: [Double]
  let periodS: Double

  init(
    chunk: ActionChunk, busJoint: [Int], busGripper: [Int], entryStep: Int, nowNanoseconds: UInt64,
    blendNanoseconds: UInt64, accelerationMaxRadPerS2: [Double], positionRad: [Double], velocityRadPerS: [Double],
    gripperWidthM: [Double]
  ) {
    self.chunk = chunk
    self.busJoint = busJoint
    self.busGripper = busGripper
    self.entryStep = entryStep
    blendStartNanoseconds = nowNanoseconds
    blendS = max(Double(blendNanoseconds) / 1e9, 1e-3)
    periodS = Double(chunk.stepPeriodNanoseconds) / 1e9
    let joints = busJoint.count
    let steps = chunk.stepCount
    var tangents = [Double](repeating: 0, count: steps * joints)
    if steps > 1 {
      for i in 0..<(steps - 1) {
        for k in 0..<joints {
          let before = chunk.positionRad(step: max(i - 1, 0), joint: k)
          let after = chunk.positionRad(step: i + 1, joint: k)
          let span = Double((i + 1) - max(i - 1, 0)) * periodS
          tangents[i * joints + k] = (after - before) / span
        }
      }
    }
    tangentsRadPerS = tangents
    blendPositionRad = []
    blendVelocityRadPerS = []
    blendGripperWidthM = []
    // The chunk's own reference at acceptance, to measure the offset from.
    var position = [Double](repeating: 0, count: positionRad.count)
    var velocity = position
    var acceleration = position
    var width = gripperWidthM
    var force = gripperWidthM
    evaluateChunk(
      atNanoseconds: nowNanoseconds, positionRad: &position, velocityRadPerS: &velocity,
      accelerationRadPerS2: &acceleration, gripperWidthM: &width, gripperForceN: &force)
    blendPositionRad = busJoint.map { positionRad[$0] - position[$0] }
    blendVelocityRadPerS = busJoint.map { velocityRadPerS[$0] - velocity[$0] }
    blendGripperWidthM = busGripper.map { gripperWidthM[$0] - width[$0] }
    // The Hermite offset's acceleration peaks at its start: 6|δ|/B² + 4|δ̇|/B ≤ a/2.
    for (k, j) in busJoint.enumerated() {
      let a = accelerationMaxRadPerS2[j] / 2
      let p = abs(blendPositionRad[k])
      let v = abs(blendVelocityRadPerS[k])
      let needed = (4 * v + (16 * v * v + 24 * a * p).squareRoot()) / (2 * a)
      blendS = max(blendS, min(needed, 1.0))
    }
  }

  /// Due time of the last step.
  var lastDueNanoseconds: UInt64 { chunk.dueNanoseconds(step: chunk.stepCount - 1) }

  /// The latest step already due at `t` (0 before step 0).
  func stepIndex(atNanoseconds t: UInt64) -> Int {
    guard t >= chunk.observedAtNanoseconds else { return 0 }
    return min(Int((t - chunk.observedAtNanoseconds) / chunk.stepPeriodNanoseconds), chunk.stepCount - 1)
  }

  /// Writes the reference at `t` (chunk plus decaying blend offset) for the chunk's joints and
  /// grippers (bus order).
  func evaluate(
    atNanoseconds t: UInt64, positionRad: inout [Double], velocityRadPerS: inout [Double],
    accelerationRadPerS2: inout [Double], gripperWidthM: inout [Double], gripperForceN: inout [Double]
  ) {
    evaluateChunk(
      atNanoseconds: t, positionRad: &positionRad, velocityRadPerS: &velocityRadPerS,
      accelerationRadPerS2: &accelerationRadPerS2, gripperWidthM: &gripperWidthM, gripperForceN: &gripperForceN)
    let elapsedS = t <= blendStartNanoseconds ? 0 : Double(t - blendStartNanoseconds) / 1e9
    guard elapsedS < blendS else { return }
    let s = elapsedS / blendS
    let s2 = s * s
    let s3 = s2 * s
    let l = blendS
    // Hermite from (offset, offset rate) to (0, 0).
    let h00 = 2 * s3 - 3 * s2 + 1
    let h10 = (s3 - 2 * s2 + s) * l
    let d00 = (6 * s2 - 6 * s) / l
    let d10 = 3 * s2 - 4 * s + 1
    let a00 = (12 * s - 6) / (l * l)
    let a10 = (6 * s - 4) / l
    for k in 0..<busJoint.count {
      let j = busJoint[k]
      positionRad[j] += h00 * blendPositionRad[k] + h10 * blendVelocityRadPerS[k]
      velocityRadPerS[j] += d00 * blendPositionRad[k] + d10 * blendVelocityRadPerS[k]
      accelerationRadPerS2[j] += a00 * blendPositionRad[k] + a10 * blendVelocityRadPerS[k]
    }
    for g in 0..<busGripper.count where !chunk.gripperWidthsM.isEmpty {
      gripperWidthM[busGripper[g]] += (1 - s) * blendGripperWidthM[g]
    }
  }

  /// The chunk's own reference at `t`: step 0's targets before it is due, the last step's after.
  func evaluateChunk(
    atNanoseconds t: UInt64, positionRad: inout [Double], velocityRadPerS: inout [Double],
    accelerationRadPerS2: inout [Double], gripperWidthM: inout [Double], gripperForceN: inout [Double]
  ) {
    let joints = busJoint.count
    let steps = chunk.stepCount
    if t >= lastDueNanoseconds || t < chunk.observedAtNanoseconds || steps == 1 {
      let step = t < chunk.observedAtNanoseconds ? 0 : steps - 1
      for k in 0..<joints {
        let j = busJoint[k]
        positionRad[j] = chunk.positionRad(step: step, joint: k)
        velocityRadPerS[j] = 0
        accelerationRadPerS2[j] = 0
      }
      writeGrippers(from: step, to: step, fraction: 0, gripperWidthM: &gripperWidthM, gripperForceN: &gripperForceN)
      return
    }
    let i = min(stepIndex(atNanoseconds: t), steps - 2)
    let s = Double(t - chunk.dueNanoseconds(step: i)) / Double(chunk.stepPeriodNanoseconds)
    for k in 0..<joints {
      Self.hermite(
        s: s, lengthS: periodS, p0: chunk.positionRad(step: i, joint: k), m0: tangentsRadPerS[i * joints + k],
        p1: chunk.positionRad(step: i + 1, joint: k), m1: tangentsRadPerS[(i + 1) * joints + k],
        joint: busJoint[k], positionRad: &positionRad, velocityRadPerS: &velocityRadPerS,
        accelerationRadPerS2: &accelerationRadPerS2)
    }
    writeGrippers(from: i, to: i + 1, fraction: s, gripperWidthM: &gripperWidthM, gripperForceN: &gripperForceN)
  }

  private func writeGrippers(
    from a: Int, to b: Int, fraction s: Double, gripperWidthM: inout [Double], gripperForceN: inout [Double]
  ) {
    let count = busGripper.count
    for g in 0..<count {
      if !chunk.gripperWidthsM.isEmpty {
        let wa = chunk.gripperWidthsM[a * count + g]
        let wb = chunk.gripperWidthsM[b * count + g]
        gripperWidthM[busGripper[g]] = wa + (wb - wa) * s
      }
      if !chunk.gripForcesN.isEmpty { gripperForceN[busGripper[g]] = chunk.gripForcesN[a * count + g] }
    }
  }

  /// Cubic Hermite segment at normalised time `s` ∈ [0, 1] of a segment `lengthS` long.
  @inline(__always)
  static func hermite(
    s: Double, lengthS: Double, p0: Double, m0: Double, p1: Double, m1: Double, joint j: Int,
    positionRad: inout [Double], velocityRadPerS: inout [Double], accelerationRadPerS2: inout [Double]
  ) {
    let s2 = s * s
    let s3 = s2 * s
    let l = lengthS
    positionRad[j] =
      (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * l * m0 + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * l * m1
    velocityRadPerS[j] =
      ((6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * l * m0 + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * l * m1) / l
    accelerationRadPerS2[j] =
      ((12 * s - 6) * p0 + (6 * s - 4) * l * m0 + (-12 * s + 6) * p1 + (6 * s - 2) * l * m1) / (l * l)
  }
}
