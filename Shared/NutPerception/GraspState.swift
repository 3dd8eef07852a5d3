/// What touch says about the nut in the gripper (mirrors `workcell.perception.v1.GraspState`).
public struct GraspState: Sendable, Hashable {
  /// A nut is between the fingers (both pads loaded, balanced).
  public var holding: Bool
  /// The nut sits flat and centred against the pads.
  public var seated: Bool
  /// The contact is sliding (centroid speed over the slip threshold).
  public var slipping: Bool
  /// Contact centroid from the pad centre along the columns, mm, in finger a's sense
  /// (finger b is mirrored): the nut's offset along the gripper's y axis.
  public var contactCentroidXMm: Double
  /// Contact centroid from the pad centre along the rows (towards the palm), mm, both fingers'
  /// mean: the nut's offset along −gripper z.
  public var contactCentroidYMm: Double
  /// Total normal force over both fingertips, newtons.
  public var normalForceN: Double

  /// A grasp state; see the properties.
  public init(
    holding: Bool, seated: Bool, slipping: Bool, contactCentroidXMm: Double, contactCentroidYMm: Double,
    normalForceN: Double
  ) {
    self.holding = holding
    self.seated = seated
    self.slipping = slipping
    self.contactCentroidXMm = contactCentroidXMm
    self.contactCentroidYMm = contactCentroidYMm
    self.normalForceN = normalForceN
  }

  /// No contact.
  public static let empty = GraspState(
    holding: false, seated: false, slipping: false, contactCentroidXMm: 0, contactCentroidYMm: 0, normalForceN: 0)
}
