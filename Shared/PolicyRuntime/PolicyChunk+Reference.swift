/// Where a chunk's reference stands at one instant: what control tracks then, if the chunk is the
/// one it was given last. The scripted planner plans on from it (warm start) and feature version
/// `wc-features-3` shows it to the network, so both read it the same way.
public struct TrackedReference: Sendable, Hashable {
  /// The reference joint positions at the instant (linear between the steps around it), radians.
  public var positionsRad: [Double]
  /// The reference's joint velocities there (the difference of those two steps over the period), rad/s.
  public var velocitiesRadPerS: [Double]
  /// The first gripper's width target of the step due at or before the instant, metres.
  public var gripperWidthM: Double
  /// How long before the instant the chunk's observation was taken, seconds.
  public var ageS: Double
  /// The cycle step the chunk was planned for.
  public var cycleStep: PolicyCycleStep

  public init(
    positionsRad: [Double], velocitiesRadPerS: [Double], gripperWidthM: Double, ageS: Double, cycleStep: PolicyCycleStep
  ) {
    self.positionsRad = positionsRad
    self.velocitiesRadPerS = velocitiesRadPerS
    self.gripperWidthM = gripperWidthM
    self.ageS = ageS
    self.cycleStep = cycleStep
  }
}

extension PolicyChunk {
  /// The reference at `timeS` (seconds on the chunk's clock); nil before the chunk's observation,
  /// at or after its last step, or for a chunk whose steps disagree in joint count.
  public func reference(atS timeS: Double) -> TrackedReference? {
    guard timeS >= observedAtS, steps.count >= 2, stepPeriodMs > 0 else { return nil }
    let joints = steps[0].jointPositionsRad.count
    guard joints > 0, steps.allSatisfy({ $0.jointPositionsRad.count == joints }) else { return nil }
    let period = Double(stepPeriodMs) / 1000
    let f = (timeS - observedAtS) / period
    guard f < Double(steps.count - 1) else { return nil }
    let i = Int(f)
    let u = f - Double(i)
    let a = steps[i].jointPositionsRad
    let b = steps[i + 1].jointPositionsRad
    return TrackedReference(
      positionsRad: (0..<joints).map { a[$0] + (b[$0] - a[$0]) * u },
      velocitiesRadPerS: (0..<joints).map { (b[$0] - a[$0]) / period },
      gripperWidthM: steps[i].gripperWidthsM.first ?? 0, ageS: timeS - observedAtS, cycleStep: cycleStep)
  }
}

extension PolicyObservation {
  /// This observation with `tracked` set from the chunk the robot was given last (nil: none, or
  /// the observation falls outside it): the one builder the policy service and `workcell-train`
  /// use, so a network sees in the fleet what it saw in training.
  public func following(_ chunk: PolicyChunk?) -> PolicyObservation {
    var o = self
    o.tracked = chunk?.reference(atS: observedAtS)
    return o
  }
}
