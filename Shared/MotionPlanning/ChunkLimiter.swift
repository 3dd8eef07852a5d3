import PolicyRuntime

/// Keeps a learned policy's chunk inside the limits the scripted planner keeps to, so control
/// does not refuse it: every joint target within its position limits less a margin (or no further
/// out than the measured joint, when the arm already is), every step's change no faster than a
/// fraction of the joint speed limits — scaled as a whole vector, as the planner does, so the
/// joints keep moving together along the path. A network imitating the planner near a limit (the
/// wrist turned against the spline phase) lands on either side of it; control refuses a chunk
/// with one target past a limit, and the arm then holds until a chunk is accepted.
///
/// Gripper targets are snapped to the planner's two widths, open or closed: a regression between
/// the two (its average where a look is ambiguous) would open the fingers part way around a held
/// nut, which drops it.
public struct ChunkLimiter: Sendable {
  public let minRad: [Double]
  public let maxRad: [Double]
  public let marginRad: Double
  /// Most change per second of each joint, rad/s (the speed limit × the planner's fraction).
  public let speedRadPerS: [Double]
  /// The open width, metres; a target under half of it closes (0), any other opens.
  public let openWidthM: Double

  /// The limits of a planner configuration (control's defaults for the right arm unless set).
  public init(config: ScriptedChunkPlanner.Config = .init()) {
    minRad = config.jointMinRad
    maxRad = config.jointMaxRad
    marginRad = config.limitMarginRad
    speedRadPerS = config.jointSpeedMaxRadPerS.map { $0 * config.speedFraction }
    openWidthM = config.openWidthM
  }

  /// `chunk` with its joint targets inside the limits and its gripper targets open or closed;
  /// chunks not for one 7-joint arm, or with a measurement of another size, are returned as they are.
  public func limit(_ chunk: PolicyChunk, measuredRad: [Double]) -> PolicyChunk {
    let n = minRad.count
    guard measuredRad.count == n, chunk.steps.allSatisfy({ $0.jointPositionsRad.count == n }), chunk.stepPeriodMs > 0 else {
      return chunk
    }
    let dt = Double(chunk.stepPeriodMs) / 1000
    let lower = (0..<n).map { min(minRad[$0] + marginRad, measuredRad[$0]) }
    let upper = (0..<n).map { max(maxRad[$0] - marginRad, measuredRad[$0]) }
    var out = chunk
    var previous: [Double]?
    for i in out.steps.indices {
      var q = out.steps[i].jointPositionsRad
      for j in 0..<n { q[j] = min(max(q[j], lower[j]), upper[j]) }
      if let previous {
        var scale = 1.0
        for j in 0..<n {
          let change = abs(q[j] - previous[j])
          let most = speedRadPerS[j] * dt
          if change > most { scale = min(scale, most / change) }
        }
        if scale < 1 { for j in 0..<n { q[j] = previous[j] + (q[j] - previous[j]) * scale } }
      }
      out.steps[i].jointPositionsRad = q
      out.steps[i].gripperWidthsM = out.steps[i].gripperWidthsM.map { $0 < openWidthM / 2 ? 0 : openWidthM }
      previous = q
    }
    return out
  }
}
