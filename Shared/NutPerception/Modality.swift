/// A sensing modality that the fusion weighs (mirrors `workcell.perception.v1.Modality`).
public enum Modality: Int, Sendable, Hashable, CaseIterable {
  /// None trusted (nothing usable).
  case unspecified = 0
  /// Cameras: nut pose and spline phase from images.
  case vision = 1
  /// Fingertip arrays: grasp state, contact centroid.
  case tactile = 2
  /// Joint torque sensors: contact wrench at the gripper.
  case jointTorque = 3
}
