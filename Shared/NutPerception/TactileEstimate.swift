/// What the two fingertips of one gripper say, with the evidence.
public struct TactileEstimate: Sendable, Hashable {
  /// Grasp state (holding, seated, slipping, centroid, force).
  public var grasp: GraspState
  /// Finger a's and finger b's contacts.
  public var fingerA: FingerContact, fingerB: FingerContact
  /// The nut's centre in the gripper frame from the contact, mm: y across the pads (finger a's
  /// columns), z along the fingers (rows run along −z); x (the closing axis) is 0 by construction.
  public var nutOffsetInGripperMm: SIMD3<Double>
  /// Contact centroid speed since the previous frame, mm/s (0 without a previous frame).
  public var centroidSpeedMmPerS: Double
  /// Pressure where no nut contact is expected was seen.
  public var unexpectedContact: Bool
  /// Spline phase from touch: always nil — the pads press the nut's smooth outer flank, so the
  /// pressure image carries no trace of the inner spline. Phase in hand comes from vision.
  public var splinePhaseDeg: Double?
  /// Touch's confidence, with the reason and a detail for the operator.
  public var confidence: ModalityConfidence
}
