extension PolicyObservation {
  /// How far across the finger pads a held nut may sit and still count as seated, metres: the
  /// cell's grasp tolerance (`--grasp-tolerance-mm`, 2.5 mm), inside the pin's 1.5 mm lead-in
  /// once the insert centres it.
  public static let seatedAcrossPadsToleranceM = 0.0025

  /// The `seated` input as the policy reads it, from touch: held, not slipping, and within
  /// `toleranceM` across the pads (how deep along the fingers does not count). The cell and
  /// `workcell-train`'s observer both use this rule, so a network sees in the fleet what it saw in
  /// training (they disagreed: 2.5 mm in the cell, 1 mm in training).
  public static func seated(
    holding: Bool, slipping: Bool, acrossPadsM: Double, toleranceM: Double = seatedAcrossPadsToleranceM
  ) -> Bool {
    holding && !slipping && abs(acrossPadsM) <= toleranceM
  }
}
