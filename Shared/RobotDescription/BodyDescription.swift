/// The humanoid's body as its balance sees it: mass, the arms' share of it, the centre of mass's
/// height and the support polygon of both feet (robot frame: feet centre origin, x forward).
public struct BodyDescription: Sendable, Hashable {
  /// Robot mass, kilograms.
  public var massKg: Double
  /// Mass of each arm, kilograms.
  public var armMassKg: Double
  /// Height of the centre of mass above the floor, metres.
  public var comHeightM: Double
  /// Support polygon: x from … to, metres.
  public var supportXM: ClosedRange<Double>
  /// Support polygon: y from … to, metres.
  public var supportYM: ClosedRange<Double>

  /// A body from its parts.
  public init(
    massKg: Double, armMassKg: Double, comHeightM: Double, supportXM: ClosedRange<Double>,
    supportYM: ClosedRange<Double>
  ) {
    self.massKg = massKg
    self.armMassKg = armMassKg
    self.comHeightM = comHeightM
    self.supportXM = supportXM
    self.supportYM = supportYM
  }
}
