/// An accepted chunk as a C¹ trajectory: a cubic Hermite blend from the command in force at
/// acceptance to the first future step, then Catmull-Rom cubics through the steps (tangents from
/// the neighbouring steps, zero at the last step so the chunk ends at rest). Evaluated once a tick
/// into preallocated arrays.
struct ChunkTrajectory: Sendable {
  let chunk: ActionChunk
  /// Bus index of each of the chunk's joints.
  let busJoint: [Int]
  /// Bus index of each of the chunk's grippers.
  let busGripper: [Int]
  /// Step-major tangents, rad/s.
  let tangentsRadPerS: [Double]
  /// First step tracked (the first one far enough in the future at acceptance).
  let entryStep: Int
  /// When the blend into `entryStep` starts.
  let entryStartNanoseconds: UInt64
  /// Command position and velocity of each chunk joint at acceptance.
  let entryPositionRad: [Double]
  let entryVelocityRadPerS: [Double]
  /// Gripper widths at acceptance (chunk gripper order), metres.
  let entryGripperWidthM: [Double]
  let periodS: Double

  init(
    chunk: ActionChunk, busJoint: [Int], busGripper: [Int], entryStep: Int, nowNanoseconds: UInt64,
    positionRad: [Double], velocityRadPerS: [Double], gripperWidthM: [Double]
  ) {
    self.chunk = chunk
    self.busJoint = busJoint
    self.busGripper = busGripper
    self.entryStep = entryStep
    entryStartNanoseconds = nowNanoseconds
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
    entryPositionRad = busJoint.map { positionRad[$0] }
    entryVelocityRadPerS = busJoint.map { velocityRadPerS[$0] }
    entryGripperWidthM = busGripper.map { gripperWidthM[$0] }
  }

  /// Due time of the last step.
  var lastDueNanoseconds: UInt64 { chunk.dueNanoseconds(step: chunk.stepCount - 1) }

  /// The latest step already due at `t` (at least the entry step's predecessor, 0 at most).
  func stepIndex(atNanoseconds t: UInt64) -> Int {
    guard t >= chunk.observedAtNanoseconds else { return 0 }
    return min(Int((t - chunk.observedAtNanoseconds) / chunk.stepPeriodNanoseconds), chunk.stepCount - 1)
  }

  /// Writes the reference at `t` for the chunk's joints and grippers (bus order).
  func evaluate(
    atNanoseconds t: UInt64, positionRad: inout [Double], velocityRadPerS: inout [Double],
    accelerationRadPerS2: inout [Double], gripperWidthM: inout [Double], gripperForceN: inout [Double]
  ) {
    let joints = busJoint.count
    let steps = chunk.stepCount
    let entryDue = chunk.dueNanoseconds(step: entryStep)
    if t >= lastDueNanoseconds {
      for k in 0..<joints {
        let j = busJoint[k]
        positionRad[j] = chunk.positionRad(step: steps - 1, joint: k)
        velocityRadPerS[j] = 0
        accelerationRadPerS2[j] = 0
      }
      writeGrippers(from: steps - 1, to: steps - 1, fraction: 0, gripperWidthM: &gripperWidthM, gripperForceN: &gripperForceN)
      return
    }
    if t < entryDue {
      let lengthS = Double(entryDue - entryStartNanoseconds) / 1e9
      let s = t <= entryStartNanoseconds ? 0 : Double(t - entryStartNanoseconds) / 1e9 / lengthS
      for k in 0..<joints {
        Self.hermite(
          s: s, lengthS: lengthS, p0: entryPositionRad[k], m0: entryVelocityRadPerS[k],
          p1: chunk.positionRad(step: entryStep, joint: k), m1: tangentsRadPerS[entryStep * joints + k],
          joint: busJoint[k], positionRad: &positionRad, velocityRadPerS: &velocityRadPerS,
          accelerationRadPerS2: &accelerationRadPerS2)
      }
      for g in 0..<busGripper.count where !chunk.gripperWidthsM.isEmpty {
        let target = chunk.gripperWidthsM[entryStep * busGripper.count + g]
        gripperWidthM[busGripper[g]] = entryGripperWidthM[g] + (target - entryGripperWidthM[g]) * s
        if !chunk.gripForcesN.isEmpty { gripperForceN[busGripper[g]] = chunk.gripForcesN[entryStep * busGripper.count + g] }
      }
      return
    }
    let i = min(max(stepIndex(atNanoseconds: t), entryStep), steps - 2)
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
