import Testing

@testable import PolicyRuntime

@Suite struct FeatureNamesTests {
  @Test func oneUniqueNamePerFeature() {
    #expect(PolicyFeatures.names.count == PolicyFeatures.count)
    #expect(Set(PolicyFeatures.names).count == PolicyFeatures.count)
  }

  /// The names sit where `encode` writes the values they name.
  @Test func namesMatchTheEncoding() {
    let observation = PolicyObservation(
      sequence: 0, observedAtS: 0, armJointPositionsRad: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], gripperWidthM: 0.045,
      nutPositionInTorsoM: [0.5, -0.3, 0.8], tcpPositionInTorsoM: [0.5, -0.3, 0.9],
      pinSeatInTorsoM: [0.55, -0.05, 0.776],
      nutYawRad: 0, splinePhaseDeg: 0, holding: true, seated: false, cycleStep: .carry)
    let row = PolicyFeatures.matrix([observation]).row(0)
    func value(_ name: String) -> Float { row[PolicyFeatures.names.firstIndex(of: name)!] }
    #expect(value("right_arm_joint_7.position_rad") == 0.7)
    #expect(value("right_gripper.width_m") == 0.045)
    #expect(value("nut.y_m") == -0.3)
    #expect(value("holding") == 1)
    #expect(value("cycle_step.carry") == 1)
    #expect(value("cycle_step.reach") == 0)
    #expect(abs(value("nut_from_tcp.z_m") - -0.1) < 1e-6)
    #expect(abs(value("nut_from_pin.x_m") - -0.05) < 1e-6)
  }
}
