/// How far two chunks for the same observation are apart: what a shadow model is judged by.
extension PolicyChunk {
  /// Root mean square of the joint-target differences between this chunk and `other` over their
  /// first `prefixSteps` steps (the part a robot executes before it replans), radians; every
  /// joint of every compared step counts once. Joints are matched by name, so two models may list
  /// them in different orders. Nil when nothing can be compared: no step, no joint in common, or
  /// `prefixSteps` < 1.
  public func jointDivergenceRad(from other: PolicyChunk, prefixSteps: Int) -> Double? {
    let steps = min(prefixSteps, steps.count, other.steps.count)
    guard steps > 0 else { return nil }
    var otherIndex: [String: Int] = [:]
    for (index, name) in other.jointNames.enumerated() { otherIndex[name] = index }
    let pairs = jointNames.enumerated().compactMap { index, name in otherIndex[name].map { (index, $0) } }
    guard !pairs.isEmpty else { return nil }
    var sumSquares = 0.0
    var count = 0
    for step in 0..<steps {
      let mine = self.steps[step].jointPositionsRad
      let theirs = other.steps[step].jointPositionsRad
      for (index, otherIndex) in pairs where index < mine.count && otherIndex < theirs.count {
        let difference = mine[index] - theirs[otherIndex]
        sumSquares += difference * difference
        count += 1
      }
    }
    return count == 0 ? nil : (sumSquares / Double(count)).squareRoot()
  }
}
