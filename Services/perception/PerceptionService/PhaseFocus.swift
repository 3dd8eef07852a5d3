import WorkcellProto

/// Which sensor an estimate waits for and focuses on, from the cycle step it serves.
enum PhaseFocus: Sendable, Hashable {
  /// The camera over the feeder: the nut lies at the pick position.
  case feederCamera
  /// The camera over the fixture's pin: the nut is carried above it or put on it.
  case fixtureCamera
  /// The fingertips: the nut is in the hand, where no fixed camera watches it.
  case touch
  /// Whatever shows the nut best (WatchEstimates, which serves no one step).
  case automatic

  /// The focus of `step`, or nil for steps perception has nothing to say about.
  static func of(_ step: Workcell_Common_V1_CycleStep) -> PhaseFocus? {
    switch step {
    case .requestPart, .perceivePart, .reach, .grasp, .returnToNest: .feederCamera
    case .graspCheck, .carry: .touch
    case .align, .insert, .releaseRetreat, .fasten, .liftOff: .fixtureCamera
    case .unspecified, .report, .UNRECOGNIZED: nil
    }
  }
}
