#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension ArmChain {
  /// Joint positions that put the TCP at `positionM` (arm base frame) with the tool pointing
  /// straight down and its x axis at `yawRad` about the vertical, found by damped least squares
  /// from `q` (7 joints): at most `iterations` steps of at most `maxStepRad` per joint each.
  /// The arm has one joint more than the task needs: with `restRad`, each step also moves the
  /// joints toward that posture in the task's null space (gain `restGain` per step), so repeated
  /// moves do not drift into odd elbow and wrist postures; with `minRad`/`maxRad` the joints stay
  /// inside those limits. Returns the joints and the remaining position error, metres. Pure.
  public func solve(
    from q: [Double], towardM positionM: SIMD3<Double>, yawRad: Double, iterations: Int = 4,
    maxStepRad: Double = 0.05, dampingM: Double = 0.01, restRad: [Double]? = nil, restGain: Double = 0.1,
    minRad: [Double]? = nil, maxRad: [Double]? = nil
  ) -> (jointsRad: [Double], positionErrorM: Double) {
    var joints = Array(q.prefix(7))
    guard joints.count == 7 else { return (joints, .infinity) }
    let goalX = SIMD3(cos(yawRad), sin(yawRad), 0)
    let goalY = SIMD3(sin(yawRad), -cos(yawRad), 0)
    let goalZ = SIMD3<Double>(0, 0, -1)
    var error = Double.infinity
    for _ in 0..<max(iterations, 1) {
      let chain = jacobianWalk(joints)
      let positionError = positionM - chain.tcpM
      error = (positionError * positionError).sum().squareRoot()
      let orientationError =
        (cross(chain.axes.0, goalX) + cross(chain.axes.1, goalY) + cross(chain.axes.2, goalZ)) * 0.5
      let e = [
        positionError.x, positionError.y, positionError.z, orientationError.x, orientationError.y, orientationError.z,
      ]
      // Rows of J: linear (3) then angular (3); columns: joints.
      var jacobian = [Double](repeating: 0, count: 42)
      for i in 0..<7 {
        let linear = cross(chain.jointAxes[i], chain.tcpM - chain.jointOrigins[i])
        jacobian[i] = linear.x
        jacobian[7 + i] = linear.y
        jacobian[14 + i] = linear.z
        jacobian[21 + i] = chain.jointAxes[i].x
        jacobian[28 + i] = chain.jointAxes[i].y
        jacobian[35 + i] = chain.jointAxes[i].z
      }
      // (J Jᵀ + λ² I) y = e;  Δq = Jᵀ y.
      var m = [Double](repeating: 0, count: 42)
      for row in 0..<6 {
        for col in 0..<6 {
          var sum = 0.0
          for k in 0..<7 { sum += jacobian[row * 7 + k] * jacobian[col * 7 + k] }
          m[row * 7 + col] = sum + (row == col ? dampingM * dampingM : 0)
        }
        m[row * 7 + 6] = e[row]
      }
      let normal = m
      let y = Self.solveAugmented6x7(&m)
      var delta = [Double](repeating: 0, count: 7)
      for i in 0..<7 {
        var sum = 0.0
        for row in 0..<6 { sum += jacobian[row * 7 + i] * y[row] }
        delta[i] = sum
      }
      if let restRad, restRad.count >= 7 {
        // z toward the rest posture, minus its part the task sees: (I − J⁺J) z with the damped
        // pseudo-inverse J⁺ = Jᵀ (J Jᵀ + λ² I)⁻¹.
        let z = (0..<7).map { restGain * (restRad[$0] - joints[$0]) }
        var n = normal
        for row in 0..<6 {
          var sum = 0.0
          for k in 0..<7 { sum += jacobian[row * 7 + k] * z[k] }
          n[row * 7 + 6] = sum
        }
        let w = Self.solveAugmented6x7(&n)
        for i in 0..<7 {
          var sum = 0.0
          for row in 0..<6 { sum += jacobian[row * 7 + i] * w[row] }
          delta[i] += z[i] - sum
        }
      }
      let largest = delta.map(abs).max() ?? 0
      let scale = largest > maxStepRad ? maxStepRad / largest : 1
      for i in 0..<7 {
        joints[i] += delta[i] * scale
        if let minRad, minRad.count >= 7 { joints[i] = max(joints[i], minRad[i]) }
        if let maxRad, maxRad.count >= 7 { joints[i] = min(joints[i], maxRad[i]) }
      }
    }
    let tcp = tcpPositionM(joints)
    let residual = positionM - tcp
    error = (residual * residual).sum().squareRoot()
    return (joints, error)
  }

  /// The chain walked once, keeping each joint's axis and origin (base frame) for the Jacobian.
  private func jacobianWalk(_ q: [Double]) -> (
    tcpM: SIMD3<Double>, axes: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>), jointAxes: [SIMD3<Double>],
    jointOrigins: [SIMD3<Double>]
  ) {
    var rx = SIMD3<Double>(1, 0, 0)
    var ry = SIMD3<Double>(0, 1, 0)
    var rz = SIMD3<Double>(0, 0, 1)
    var p = SIMD3<Double>.zero
    var axes: [SIMD3<Double>] = []
    var origins: [SIMD3<Double>] = []
    axes.reserveCapacity(7)
    origins.reserveCapacity(7)
    for i in 0..<7 {
      let ca = cosAlpha[i]
      let sa = sinAlpha[i]
      let ct = cos(q[i])
      let st = sin(q[i])
      let t = SIMD3(aM[i], -sa * dM[i], ca * dM[i])
      p += rx * t.x + ry * t.y + rz * t.z
      let nx = rx * ct + ry * (st * ca) + rz * (st * sa)
      let ny = rx * (-st) + ry * (ct * ca) + rz * (ct * sa)
      let nz = ry * (-sa) + rz * ca
      rx = nx
      ry = ny
      rz = nz
      axes.append(rz)
      origins.append(p)
    }
    return (p + rz * toolOffsetM, (rx, ry, rz), axes, origins)
  }

  /// Gaussian elimination with partial pivoting on a 6×7 augmented matrix (row-major).
  private static func solveAugmented6x7(_ m: inout [Double]) -> [Double] {
    let n = 6
    for col in 0..<n {
      var pivot = col
      for row in (col + 1)..<n where abs(m[row * 7 + col]) > abs(m[pivot * 7 + col]) { pivot = row }
      if pivot != col {
        for k in 0...n { m.swapAt(col * 7 + k, pivot * 7 + k) }
      }
      let p = m[col * 7 + col]
      guard abs(p) > 1e-12 else { continue }
      for row in (col + 1)..<n {
        let f = m[row * 7 + col] / p
        if f == 0 { continue }
        for k in col...n { m[row * 7 + k] -= f * m[col * 7 + k] }
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var sum = m[row * 7 + n]
      for k in (row + 1)..<n { sum -= m[row * 7 + k] * x[k] }
      x[row] = abs(m[row * 7 + row]) > 1e-12 ? sum / m[row * 7 + row] : 0
    }
    return x
  }
}

@inline(__always) private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
  SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
