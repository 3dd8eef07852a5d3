import Testing

@testable import PolicyRuntime

/// Feature version wc-features-3: the tracked chunk's reference as the planner reads it.
@Suite struct TrackedFeatureTests {
  let joints = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]

  func observation(atS t: Double, step: PolicyCycleStep = .carry) -> PolicyObservation {
    PolicyObservation(
      sequence: 1, observedAtS: t, armJointPositionsRad: joints, gripperWidthM: 0.03,
      nutPositionInTorsoM: [0.5, -0.3, 0.8], tcpPositionInTorsoM: [0.5, -0.3, 0.9], pinSeatInTorsoM: [0.55, -0.05, 0.776],
      nutYawRad: 0, splinePhaseDeg: 0, holding: true, seated: true, cycleStep: step,
      armJointVelocitiesRadPerS: [1, 2, 3, 4, 5, 6, 7])
  }

  /// A chunk observed at 10 s whose joint 1 climbs 0.02 rad per 20 ms step (1 rad/s), width 0.
  func chunk(step: PolicyCycleStep = .carry) -> PolicyChunk {
    PolicyChunk(
      modelVersion: "m", sequence: 0, observedAtS: 10, expiresAtS: 10.6, stepPeriodMs: 20,
      jointNames: (1...7).map { "j\($0)" }, gripperNames: ["g"], cycleStep: step,
      steps: (0..<30).map { i in
        PolicyActionStep(
          jointPositionsRad: [1 + 0.02 * Double(i), 0, 0, 0, 0, 0, 0], gripperWidthsM: [0], gripForcesN: [20])
      })
  }

  @Test("the reference between two steps is their linear blend, its velocity their difference over the period")
  func referenceInsideTheChunk() throws {
    let r = try #require(chunk().reference(atS: 10.05))
    #expect(abs(r.positionsRad[0] - 1.05) < 1e-12)
    #expect(abs(r.velocitiesRadPerS[0] - 1) < 1e-9)
    #expect(abs(r.ageS - 0.05) < 1e-12)
    #expect(r.gripperWidthM == 0 && r.cycleStep == .carry)
    #expect(chunk().reference(atS: 9.99) == nil)
    #expect(chunk().reference(atS: 10.58) == nil)
  }

  @Test("wc-features-3 adds velocities and the tracked chunk; without one (or from another step) those read as none")
  func encoding() {
    let v3 = PolicyFeatureVersion.v3
    #expect(v3.count == 65 && v3.names.count == 65 && Set(v3.names).count == 65)
    #expect(PolicyFeatureVersion.v2.count == PolicyFeatures.count)
    let followed = observation(atS: 10.05).following(chunk())
    let row = v3.matrix([followed]).row(0)
    func value(_ name: String) -> Float { row[v3.names.firstIndex(of: name)!] }
    // The first 41 are wc-features-2's.
    #expect(Array(row.prefix(41)) == PolicyFeatures.matrix([followed]).row(0))
    #expect(value("right_arm_joint_3.velocity_rad_per_s") == 3)
    #expect(abs(value("tracked.right_arm_joint_1.offset_rad") - Float(1.05 - 0.1)) < 1e-6)
    #expect(abs(value("tracked.right_arm_joint_2.offset_rad") - Float(-0.2)) < 1e-6)
    #expect(abs(value("tracked.right_arm_joint_1.velocity_rad_per_s") - 1) < 1e-5)
    #expect(value("tracked.right_gripper.width_m") == 0)
    #expect(abs(value("tracked.age_s") - 0.05) < 1e-6)
    #expect(value("tracked.same_step") == 1)
    for untracked in [observation(atS: 10.05), observation(atS: 10.05, step: .insert).following(chunk())] {
      let row = v3.matrix([untracked]).row(0)
      #expect(row[48..<62].allSatisfy { $0 == 0 })
      #expect(row[62] == 0.03 && row[63] == 0 && row[64] == 0)
    }
  }

  @Test("a model file names its feature version: wc-features-3 loads with 65 inputs, an unknown version is refused")
  func modelFeatureVersions() throws {
    var metadata = [
      "format": "workcell-policy-mlp", "version": "v3-test", "layer_sizes": "65,270", "activation": "relu",
      "chunk_steps": "30", "step_period_ms": "20", "joint_names": (1...7).map { "right_arm_joint_\($0)" }.joined(separator: ","),
      "gripper_names": "right_gripper", "feature_version": "wc-features-3",
    ]
    #expect(try PolicyArchitecture(metadata: metadata).features == .v3)
    metadata["layer_sizes"] = "41,270"
    #expect(throws: PolicyModelError.self) { try PolicyArchitecture(metadata: metadata) }
    metadata["feature_version"] = "wc-features-9"
    let error = #expect(throws: PolicyModelError.self) { try PolicyArchitecture(metadata: metadata) }
    #expect(error?.message.contains("wc-features-3") == true)
  }
}
