import RobotDescription

/// One 7-DoF arm's kinematic chain in modified (Craig) Denavit–Hartenberg parameters, with the
/// parallel gripper's tool centre point (TCP) between the fingertips. The default is the robot
/// description's Franka-Panda-like arm (docs/simulation.md lists the numbers).
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

  /// The chain of `chain` (the robot description's arm).
  public init(_ chain: DenavitHartenbergChain) {
    self.init(aM: chain.aM, dM: chain.dM, alphaRad: chain.alphaRad, toolOffsetM: chain.toolOffsetM)
  }

  /// The arm every robot has (``RobotDescription/reference``).
  public static var defaults: ArmKinematics { ArmKinematics(RobotLayout.robot.arm.chain) }

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
    withUnsafeTemporaryAllocation(of: Vector3.self, capacity: 14) { frames in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 42 + 42 + 6) { scratch in
        let a = frames.baseAddress!
        let o = a + 7
        let jacobian = scratch.baseAddress!  // 6 × 7, row-major
        let m = jacobian + 42  // 6 × 7 augmented
        let y = m + 42
        let pose = forward(q, axes: a, origins: o)
        for i in 0..<7 {
          let linear = cross(a[i], pose.positionM - o[i])
          jacobian[i] = linear.x
          jacobian[7 + i] = linear.y
          jacobian[14 + i] = linear.z
          jacobian[21 + i] = a[i].x
          jacobian[28 + i] = a[i].y
          jacobian[35 + i] = a[i].z
        }
        let positionError = target.positionM - pose.positionM
        let r = pose.rotation
        let d = target.rotation
        let orientationError = (cross(r.x, d.x) + cross(r.y, d.y) + cross(r.z, d.z)) * 0.5
        let error = (positionError.x, positionError.y, positionError.z, orientationError.x, orientationError.y, orientationError.z)
        // (J Jᵀ + λ² I) y = e;  Δq = Jᵀ y.
        for row in 0..<6 {
          for col in 0..<6 {
            var sum = 0.0
            for k in 0..<7 { sum += jacobian[row * 7 + k] * jacobian[col * 7 + k] }
            m[row * 7 + col] = sum + (row == col ? dampingM * dampingM : 0)
          }
        }
        m[6] = error.0
        m[13] = error.1
        m[20] = error.2
        m[27] = error.3
        m[34] = error.4
        m[41] = error.5
        Self.solve(m, into: y)
        var largest = 0.0
        for i in 0..<7 {
          var sum = 0.0
          for row in 0..<6 { sum += jacobian[row * 7 + i] * y[row] }
          delta[i] = sum
          largest = max(largest, abs(sum))
        }
        if largest > maxStepRad {
          for i in 0..<7 { delta[i] *= maxStepRad / largest }
        }
        return (length(positionError), length(orientationError))
      }
    }
  }

  /// Gaussian elimination with partial pivoting on a 6×7 augmented matrix (row-major).
  private static func solve(_ m: UnsafeMutablePointer<Double>, into x: UnsafeMutablePointer<Double>) {
    let n = 6
    for col in 0..<n {
      var pivot = col
      for row in (col + 1)..<n where abs(m[row * 7 + col]) > abs(m[pivot * 7 + col]) { pivot = row }
      if pivot != col {
        for k in 0...n { swap(&m[col * 7 + k], &m[pivot * 7 + k]) }
      }
      let p = m[col * 7 + col]
      guard abs(p) > 1e-12 else { continue }
      for row in (col + 1)..<n {
        let f = m[row * 7 + col] / p
        if f == 0 { continue }
        for k in col...n { m[row * 7 + k] -= f * m[col * 7 + k] }
      }
    }
    for row in stride(from: n - 1, through: 0, by: -1) {
      var sum = m[row * 7 + n]
      for k in (row + 1)..<n { sum -= m[row * 7 + k] * x[k] }
      x[row] = abs(m[row * 7 + row]) > 1e-12 ? sum / m[row * 7 + row] : 0
    }
  }
}
