/// A serial arm's kinematic chain in modified (Craig) Denavit–Hartenberg parameters — joint i's
/// frame is Tᵢ = RotX(αᵢ₋₁) · TransX(aᵢ₋₁) · RotZ(θᵢ) · TransZ(dᵢ) from the previous one — and its
/// tool frame: the tool centre point (between the gripper's fingertips) on the flange's z axis,
/// with the flange's axes.
public struct DenavitHartenbergChain: Sendable, Hashable {
  /// Link lengths aᵢ₋₁, metres.
  public var aM: [Double]
  /// Link offsets dᵢ, metres.
  public var dM: [Double]
  /// Link twists αᵢ₋₁, radians.
  public var alphaRad: [Double]
  /// Flange to tool centre point along the flange's z axis, metres.
  public var toolOffsetM: Double

  /// A chain from its parameters (one of each per joint).
  public init(aM: [Double], dM: [Double], alphaRad: [Double], toolOffsetM: Double) {
    self.aM = aM
    self.dM = dM
    self.alphaRad = alphaRad
    self.toolOffsetM = toolOffsetM
  }

  /// Joints in the chain.
  public var jointCount: Int { aM.count }
}
