import CellWorld
import NutPerception
import Testing

@Suite("Contact wrench from joint torque residuals")
struct ContactWrenchTests {
  /// The 6 × 7 TCP Jacobian (row-major) of CellWorld's arm at `q`.
  static func jacobian(_ q: [Double]) -> [Double] {
    let arm = ArmKinematics.defaults
    var axes = [Vector3](repeating: .zero, count: 7)
    var origins = [Vector3](repeating: .zero, count: 7)
    let tcp = q.withUnsafeBufferPointer { qp in
      axes.withUnsafeMutableBufferPointer { a in
        origins.withUnsafeMutableBufferPointer { o in
          arm.forward(qp.baseAddress!, axes: a.baseAddress!, origins: o.baseAddress!)
        }
      }
    }
    var j = [Double](repeating: 0, count: 42)
    for i in 0..<7 {
      let z = axes[i]
      let r = tcp.positionM - origins[i]
      let v = Vector3(z.y * r.z - z.z * r.y, z.z * r.x - z.x * r.z, z.x * r.y - z.y * r.x)
      for k in 0..<3 {
        j[k * 7 + i] = v[k]
        j[(k + 3) * 7 + i] = z[k]
      }
    }
    return j
  }

  @Test("a TCP force is recovered from noisy residuals at the home pose")
  func recoversForce() throws {
    let j = Self.jacobian(RobotLayout.homeRad)
    var random = WorldRandom(seed: 5)
    let estimator = ContactWrenchEstimator()
    var errors: [Double] = []
    for _ in 0..<10 {
      let force = SIMD3(random.uniform(-10, 10), random.uniform(-10, 10), random.uniform(-10, 10))
      // At rest the drives resist τ_ext = Jᵀ F: measured − expected = −Jᵀ F (+ noise 0.02 N·m).
      let measured = (0..<7).map { i in -(0..<3).reduce(0.0) { $0 + j[$1 * 7 + i] * force[$1] } + 0.02 * random.normal()
      }
      let wrench = try estimator.estimate(
        measuredTorqueNm: measured, expectedTorqueNm: [Double](repeating: 0, count: 7), jacobian: j)
      let d = wrench.forceN - force
      errors.append(((d * d).sum()).squareRoot())
      #expect(wrench.confidence.confidence > 0.5)
    }
    print("wrench: force error N \(AccuracyStats(values: errors))")
    #expect(AccuracyStats(values: errors).max < 1.0)
  }

  @Test("a degenerate Jacobian gives no confidence; wrong sizes are typed errors")
  func degenerate() throws {
    let estimator = ContactWrenchEstimator()
    let wrench = try estimator.estimate(
      measuredTorqueNm: [1, 0, 0, 0, 0, 0, 0], expectedTorqueNm: [Double](repeating: 0, count: 7),
      jacobian: [Double](repeating: 0, count: 42))
    #expect(wrench.confidence.confidence < 0.1)
    #expect(wrench.confidence.reason == .sensorFault)
    do {
      _ = try estimator.estimate(measuredTorqueNm: [0, 0], expectedTorqueNm: [0, 0], jacobian: [0])
      Issue.record("expected bufferSizeMismatch")
    } catch {
      #expect(error.code == .bufferSizeMismatch)
    }
  }
}
