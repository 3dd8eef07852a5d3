import Foundation

/// Forward kinematics of the cell's Panda-like 7-DoF arm (modified Denavit–Hartenberg, the
/// parameters of CellWorld's `ArmKinematics.defaults`): the TCP between the fingertips in the
/// arm's base frame. Kept here rather than depending on the simulator's library; the policy needs
/// only the TCP position.
enum ArmForwardKinematics {
  private static let aM: [Double] = [0, 0, 0, 0.0825, -0.0825, 0, 0.088]
  private static let dM: [Double] = [0.333, 0, 0.316, 0, 0.384, 0, 0]
  private static let alphaRad: [Double] = [0, -.pi / 2, .pi / 2, .pi / 2, -.pi / 2, .pi / 2, .pi / 2]
  /// Flange to TCP along the flange's z axis (flange 0.107 m + gripper 0.1034 m).
  private static let toolOffsetM = 0.107 + 0.1034

  /// TCP position in the arm's base frame for seven joint angles.
  static func tcpPositionM(jointsRad q: [Double]) -> SIMD3<Double> {
    precondition(q.count == 7, "seven joints")
    // Rotation as three columns.
    var rx = SIMD3<Double>(1, 0, 0)
    var ry = SIMD3<Double>(0, 1, 0)
    var rz = SIMD3<Double>(0, 0, 1)
    var p = SIMD3<Double>(0, 0, 0)
    func apply(_ v: SIMD3<Double>) -> SIMD3<Double> { rx * v.x + ry * v.y + rz * v.z }
    for i in 0..<7 {
      let ca = cos(alphaRad[i])
      let sa = sin(alphaRad[i])
      let ct = cos(q[i])
      let st = sin(q[i])
      // Tᵢ = RotX(α) · TransX(a) · RotZ(θ) · TransZ(d), as columns.
      let cx = SIMD3(ct, st * ca, st * sa)
      let cy = SIMD3(-st, ct * ca, ct * sa)
      let cz = SIMD3(0, -sa, ca)
      let t = SIMD3(aM[i], -sa * dM[i], ca * dM[i])
      p += apply(t)
      (rx, ry, rz) = (apply(cx), apply(cy), apply(cz))
    }
    return p + rz * toolOffsetM
  }
}
