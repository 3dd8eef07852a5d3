extension RobotDescription {
  /// The reference cell's robot, as the simulated cell models it (docs/simulation.md lists the
  /// numbers): a humanoid with two Franka-Panda-like 7-DoF arms (the Panda's published limits),
  /// parallel grippers, robot "left" at y = +1 m and "right" at y = −1 m, each facing +x with
  /// its feeder and pin on the table in front of it.
  public static let reference = RobotDescription(
    armSides: ["left", "right"],
    workingArm: 1,
    arm: ArmDescription(
      chain: DenavitHartenbergChain(
        aM: [0, 0, 0, 0.0825, -0.0825, 0, 0.088],
        dM: [0.333, 0, 0.316, 0, 0.384, 0, 0],
        alphaRad: [0, -Double.pi / 2, Double.pi / 2, Double.pi / 2, -Double.pi / 2, Double.pi / 2, Double.pi / 2],
        toolOffsetM: 0.107 + 0.1034),
      positionMinRad: [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973],
      positionMaxRad: [2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973],
      velocityMaxRadPerS: [2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61],
      accelerationMaxRadPerS2: [15, 7.5, 10, 12.5, 15, 20, 20],
      torqueMaxNm: [87, 87, 87, 87, 12, 12, 12],
      inertiaKgM2: [0.6, 0.6, 0.3, 0.3, 0.05, 0.05, 0.02],
      dampingNmSPerRad: [2, 2, 1, 1, 0.2, 0.2, 0.1],
      holdKpNmPerRad: [600, 600, 500, 500, 200, 150, 50],
      holdKdNmSPerRad: [40, 40, 30, 30, 10, 8, 4],
      homeRad: [0, -0.785, 0, -2.356, 0, 1.571, 0.785],
      encoderStepRad: 2 * Double.pi / 262_144),
    gripper: GripperDescription(maxWidthM: 0.08, maxForceN: 70, speedMPerS: 0.1),
    body: BodyDescription(massKg: 60, armMassKg: 4, comHeightM: 0.9, supportXM: -0.10...0.14, supportYM: -0.15...0.15),
    layout: CellLayoutDescription(
      robotIDs: ["left", "right"],
      robotBaseInWorldM: [SIMD3(0, 1.0, 0), SIMD3(0, -1.0, 0)],
      armBaseInRobotM: [SIMD3(0.10, 0.20, 0.80), SIMD3(0.10, -0.20, 0.80)],
      pickPositionInRobotM: SIMD3(0.55, -0.35, 0.780),
      pinSeatInRobotM: SIMD3(0.55, -0.05, 0.776),
      cameraHeightM: 0.15))
}
