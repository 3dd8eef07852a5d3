/// Contact wrench from joint torque residuals: r = τ_measured − τ_expected (the caller's model of
/// gravity, dynamics and the servo without contact). At rest the drives resist the external
/// torque Jᵀ W, so r = −Jᵀ W; W is recovered by damped least squares,
/// W = −(J Jᵀ + λ² I)⁻¹ J r, with J the 6 × 7 TCP Jacobian (rows vx vy vz ωx ωy ωz).
public struct ContactWrenchEstimator: Sendable, Hashable {
  /// Damping λ (in the Jacobian's units, m): keeps the solve bounded near singular poses.
  public var dampingM: Double
  /// Joint torque sensor noise (σ), N·m: the floor of the unexplained residual.
  public var torqueNoiseNm: Double
  /// Smallest singular value of J below which the pose is called ill-conditioned, m.
  public var minSingularValueM: Double

  /// An estimator; the defaults suit a Panda-sized arm with 0.02 N·m torque noise.
  public init(dampingM: Double = 0.01, torqueNoiseNm: Double = 0.02, minSingularValueM: Double = 0.05) {
    self.dampingM = dampingM
    self.torqueNoiseNm = torqueNoiseNm
    self.minSingularValueM = minSingularValueM
  }

  /// The wrench for one joint sample. `jacobian` is 6 × joints, row-major; torques have one value
  /// per joint. Throws `bufferSizeMismatch` on wrong sizes, `invalidParameter` on non-finite values.
  public func estimate(
    measuredTorqueNm: [Double], expectedTorqueNm: [Double], jacobian: [Double]
  ) throws(PerceptionError) -> ContactWrench {
    let n = measuredTorqueNm.count
    guard n > 0, expectedTorqueNm.count == n, jacobian.count == 6 * n else {
      throw PerceptionError(
        code: .bufferSizeMismatch,
        message: "wrench needs equal torque vectors and a 6×\(n) Jacobian; got \(n) measured, "
          + "\(expectedTorqueNm.count) expected, \(jacobian.count) Jacobian values")
    }
    guard (measuredTorqueNm + expectedTorqueNm + jacobian).allSatisfy(\.isFinite) else {
      throw PerceptionError(code: .invalidParameter, message: "torques and Jacobian must be finite")
    }
    let r = (0..<n).map { measuredTorqueNm[$0] - expectedTorqueNm[$0] }
    var a = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
    var b = [Double](repeating: 0, count: 6)
    for i in 0..<6 {
      for j in 0..<6 {
        var s = 0.0
        for k in 0..<n { s += jacobian[i * n + k] * jacobian[j * n + k] }
        a[i][j] = s
      }
      var s = 0.0
      for k in 0..<n { s += jacobian[i * n + k] * r[k] }
      b[i] = -s
    }
    let smallest = Self.smallestEigenvalue(a)
    var damped = a
    for i in 0..<6 { damped[i][i] += dampingM * dampingM }
    guard let w = LinearSolve.solve(damped, b) else {
      return ContactWrench(
        forceN: .zero, torqueNm: .zero, unexplainedTorqueNm: (r.reduce(0) { $0 + $1 * $1 }).squareRoot(),
        confidence: ModalityConfidence(
          modality: .jointTorque, confidence: 0, reason: .sensorFault, detail: "Jacobian is degenerate"))
    }
    var unexplained = 0.0
    for k in 0..<n {
      var s = r[k]
      for i in 0..<6 { s += jacobian[i * n + k] * w[i] }
      unexplained += s * s
    }
    unexplained = unexplained.squareRoot()
    let sigmaMin = max(smallest, 0).squareRoot()
    let conditioning = min(1, sigmaMin / minSingularValueM)
    // A 7-joint arm has one redundant direction: torque along it is no TCP wrench (noise, or a
    // contact on a link). More than ~3σ of it lowers confidence.
    let floor = 3 * torqueNoiseNm * Double(max(n - 6, 1)).squareRoot()
    let fit = unexplained <= floor ? 1 : floor / unexplained
    let confidence = conditioning * fit
    var reason = DegradationReason.none
    var detail = "wrench from \(n) joint torques"
    if conditioning < 1 {
      reason = .sensorFault
      detail = "near-singular arm pose (σmin \(Double(Int(sigmaMin * 1000)) / 1000) m): wrench poorly observable"
    } else if fit < 1 {
      reason = .unexpectedContact
      detail = "\(Double(Int(unexplained * 100)) / 100) N·m of joint torque not explained by a TCP wrench"
    }
    return ContactWrench(
      forceN: SIMD3(w[0], w[1], w[2]), torqueNm: SIMD3(w[3], w[4], w[5]), unexplainedTorqueNm: unexplained,
      confidence: ModalityConfidence(modality: .jointTorque, confidence: confidence, reason: reason, detail: detail))
  }

  /// Smallest eigenvalue of a symmetric positive semi-definite 6 × 6 matrix (inverse iteration
  /// with a tiny shift); 0 if singular.
  static func smallestEigenvalue(_ m: [[Double]]) -> Double {
    var shifted = m
    var trace = 0.0
    for i in 0..<6 { trace += m[i][i] }
    for i in 0..<6 { shifted[i][i] += 1e-12 * max(trace, 1e-12) }
    var x = [Double](repeating: 1, count: 6)
    var lambda = 0.0
    for _ in 0..<30 {
      guard let y = LinearSolve.solve(shifted, x) else { return 0 }
      let norm = (y.reduce(0) { $0 + $1 * $1 }).squareRoot()
      guard norm > 0 else { return 0 }
      x = y.map { $0 / norm }
      var mx = 0.0
      for i in 0..<6 {
        var s = 0.0
        for j in 0..<6 { s += m[i][j] * x[j] }
        mx += x[i] * s
      }
      lambda = mx
    }
    return lambda
  }
}
