/// One 7-DoF arm's kinematic chain in modified (Craig) Denavit–Hartenberg parameters, with the
/// parallel gripper's tool centre point (TCP) between the fingertips. The default is a
/// Franka-Panda-like arm (docs/simulation.md lists the numbers).
public struct ArmKinematics: Sendable, Hashable {
  /// Link lengths aᵢ₋₁, metres.
  public var aM: [Double]
  /// Link offsets dᵢ, metres.
  public var dM: [Double]
  /// Link twists αᵢ₋₁, radians.
  public var alphaRad: [Double]
  /// Flange to TCP along the flange's z axis, metres (flange 0.107 m + gripper 0.1034 m).
  public var toolOffsetM: Double
  private var cosAlpha: [Double]
  private var sinAlpha: [Double]

  /// A chain from its DH parameters (seven of each).
  public init(aM: [Double], dM: [Double], alphaRad: [Double], toolOffsetM: Double) {
    self.aM = aM
    self.dM = dM
    self.alphaRad = alphaRad
    self.toolOffsetM = toolOffsetM
    cosAlpha = alphaRad.map { _cos($0) }
    sinAlpha = alphaRad.map { _sin($0) }
  }

  /// The Panda-like arm used by every robot.
  public static var defaults: ArmKinematics {
    let half = Double.pi / 2
    return ArmKinematics(
      aM: [0, 0, 0, 0.0825, -0.0825, 0, 0.088],
      dM: [0.333, 0, 0.316, 0, 0.384, 0, 0],
      alphaRad: [0, -half, half, half, -half, half, half],
      toolOffsetM: 0.107 + 0.1034)
  }

  /// Joints in the chain.
  public static let jointCount = 7

  /// The TCP pose in the arm's base frame and, optionally, each joint's axis and origin (for the
  /// Jacobian and the arm's centre of mass). `q` must hold at least `offset + 7` values.
  @inline(__always)
  public func forward(
    _ q: UnsafePointer<Double>, axes: UnsafeMutablePointer<Vector3>? = nil,
    origins: UnsafeMutablePointer<Vector3>? = nil
  ) -> Pose3 {
    var r = Rotation3.identity
    var p = Vector3.zero
    for i in 0..<7 {
      let ca = cosAlpha[i]
      let sa = sinAlpha[i]
      let ct = _cos(q[i])
      let st = _sin(q[i])
      // Tᵢ = RotX(α) · TransX(a) · RotZ(θ) · TransZ(d), as columns.
      let cx = Vector3(ct, st * ca, st * sa)
      let cy = Vector3(-st, ct * ca, ct * sa)
      let cz = Vector3(0, -sa, ca)
      let t = Vector3(aM[i], -sa * dM[i], ca * dM[i])
      p = p + r.apply(t)
      r = Rotation3(x: r.apply(cx), y: r.apply(cy), z: r.apply(cz))
      axes?[i] = r.z
      origins?[i] = p
    }
    p = p + r.z * toolOffsetM
    return Pose3(positionM: p, rotation: r)
  }

  /// One damped-least-squares step of inverse kinematics: the joint change that moves the TCP
  /// toward `target` (position and orientation), at most `maxStepRad` per joint. Pure; no
  /// allocation.
  public func solveStep(
    from q: UnsafePointer<Double>, toward target: Pose3, dampingM: Double = 0.01, maxStepRad: Double = 0.02,
    into delta: UnsafeMutablePointer<Double>
  ) -> (positionErrorM: Double, orientationErrorRad: Double) {
    var axes = (Vector3.zero, Vector3.zero, Vector3.zero, Vector3.zero, Vector3.zero, Vector3.zero, Vector3.zero)
    var origins = axes
    let tcp = withUnsafeMutableBytes(of: &axes) { axesBuffer in
      withUnsafeMutableBytes(of: &origins) { originsBuffer in
        let a = axesBuffer.baseAddress!.assumingMemoryBound(to: Vector3.self)
        let o = originsBuffer.baseAddress!.assumingMemoryBound(to: Vector3.self)
        let pose = forward(q, axes: a, origins: o)
        var jacobian = [[Double]](repeating: [Double](repeating: 0, count: 7), count: 6)
        for i in 0..<7 {
          let linear = cross(a[i], pose.positionM - o[i])
          jacobian[0][i] = linear.x
          jacobian[1][i] = linear.y
          jacobian[2][i] = linear.z
          jacobian[3][i] = a[i].x
          jacobian[4][i] = a[i].y
          jacobian[5][i] = a[i].z
        }
        let positionError = target.positionM - pose.positionM
        let r = pose.rotation
        let d = target.rotation
        let orientationError = (cross(r.x, d.x) + cross(r.y, d.y) + cross(r.z, d.z)) * 0.5
        let error = [
          positionError.x, positionError.y, positionError.z, orientationError.x, orientationError.y,
          orientationError.z,
        ]
        // (J Jᵀ + λ² I) y = e;  Δq = Jᵀ y.
        var m = [[Double]](repeating: [Double](repeating: 0, count: 7), count: 6)
        for row in 0..<6 {
          for col in 0..<6 {
            var sum = 0.0
            for k in 0..<7 { sum += jacobian[row][k] * jacobian[col][k] }
            m[row][col] = sum + (row == col ? dampingM * dampingM : 0)
          }
          m[row][6] = error[row]
        }
        let y = Self.solve(&m)
        var largest = 0.0
        for i in 0..<7 {
          var sum = 0.0
          for row in 0..<6 { sum += jacobian[row][i] * y[row] }
          delta[i] = sum
          largest = max(largest, abs(sum))
        }
        if largest > maxStepRad {
          for i in 0..<7 { delta[i] *= maxStepRad / largest }
        }
        return (length(positionError), length(orientationError))
      }
    }
    return tcp
  }

  /// Gaussian elimination with partial pivoting on a 6×7 augmented matrix.
  private static func solve(_ m: inout [[Double]]) -> [Double] {
    let n = 6
    for col in 0..<n {
      var pivot = col
      for row in (col + 1)..<n where abs(m[row][col]) > abs(m[pivot][col]) { pivot = row }
      m.swapAt(col, pivot)
      let p = m[col][col]
      guard abs(p) > 1e-12 else { continue }
      for row in (col + 1)..<n {
        let f = m[row][col] / p
        if f == 0 { continue }
        for k in col...n { m[row][k] -= f * m[col][k] }
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var sum = m[row][n]
      for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
      x[row] = abs(m[row][row]) > 1e-12 ? sum / m[row][row] : 0
    }
    return x
  }
}
