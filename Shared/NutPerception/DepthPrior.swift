/// How vision gets the nut's distance from a single image.
public enum DepthPrior: Sendable, Hashable {
  /// From the apparent outer diameter and the nut's known size (works anywhere in the view).
  case fromNutSize
  /// The nut's top face lies this far along the optical axis (a known plane: the feeder's nest,
  /// or the gripper's height from kinematics), metres.
  case knownTopFaceDepthM(Double)
}
