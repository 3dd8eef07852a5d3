extension BodyDescription {
  /// Signed distance of a robot-frame point (xy) to the edge of the support polygon
  /// `supportXM` × `supportYM`, metres: positive inside, negative outside (the distance to the
  /// nearest point of the polygon). The balance the world simulates and the one control
  /// estimates both measure their margin with it.
  public static func supportMarginM(
    x: Double, y: Double, supportXM: ClosedRange<Double>, supportYM: ClosedRange<Double>
  ) -> Double {
    // Two-argument min/max only: the variadic forms build an array per call, and the control
    // loop calls this every tick (TickAllocationTests).
    let inside = min(
      min(x - supportXM.lowerBound, supportXM.upperBound - x), min(y - supportYM.lowerBound, supportYM.upperBound - y))
    if inside >= 0 { return inside }
    let dx = max(max(supportXM.lowerBound - x, 0), x - supportXM.upperBound)
    let dy = max(max(supportYM.lowerBound - y, 0), y - supportYM.upperBound)
    return -(dx * dx + dy * dy).squareRoot()
  }

  /// Signed distance of a robot-frame point (xy) to this body's support polygon's edge, metres.
  public func supportMarginM(x: Double, y: Double) -> Double {
    Self.supportMarginM(x: x, y: y, supportXM: supportXM, supportYM: supportYM)
  }
}
