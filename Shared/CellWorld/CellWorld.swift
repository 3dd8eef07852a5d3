import RobotHardware

/// The simulated cell's physics, pure and deterministic: two humanoid robots (torso on a balance
/// model, two 7-DoF arms with grippers), their nuts, feeders' pick positions and pins, and the
/// sensors. `step()` advances 1 ms. Same seed and configuration → same trace, on any machine.
///
/// The world knows nothing of PLCs, sockets or clocks: cell-sim links it to the simulated PLCs
/// (``nutAtPickPosition(robot:)``, ``presentNut(robot:)``, ``fasten(robot:)``), to the joint bus
/// (``setCommand(robot:_:)``, ``readState(robot:into:)``) and to gRPC (sensor buffers, truth).
public struct CellWorld: Sendable {
  /// Physics step, seconds.
  public static let stepS = 0.001

  /// The configuration the world was built with (rates change with ``setRate(_:probability:)``).
  public private(set) var config: CellWorldConfig
  /// Steps since Reset.
  public private(set) var stepIndex: UInt64 = 0
  /// Robots in the world.
  public let robotCount: Int

  // Joints, flat: robot × 14.
  var q: [Double]
  var qd: [Double]
  var tauMotor: [Double]
  var tauExternal: [Double]
  // Commands: the latest received (robot × 14 × 5: position, velocity, torque, kp, kd) and the
  // delay line of what reached the motors.
  var latestCommand: [Double]
  var commandLine: [Double]
  var latestGripper: [Double]  // robot × 2 × (width, force)
  var gripperLine: [Double]
  var gripperWidth: [Double]  // robot × 2
  var gripperForce: [Double]
  // Kinematics, per robot and arm: axes and origins of the 7 joints, TCP pose.
  var axes: [Vector3]
  var origins: [Vector3]
  var tcp: [Pose3]
  var homeArmCentroid: [Vector3]
  // Joint positions and arm base at each arm's last forward kinematics: an arm that has not
  // moved (the idle arm holding its pose) skips the recomputation.
  var kinematicsQ: [Double]
  var kinematicsBase: [Vector3]

  var robots: [RobotPhysics]
  var events: WorldRandom
  var sensorRandom: WorldRandom
  var armed: [FaultInjection] = []
  var armedUntilStep: [UInt64] = []
  let normals: [Double]
  var normalIndex = 0

  // Sensors.
  public internal(set) var cameras: [CameraView]
  var frames: [[UInt8]]
  var frameSequence: [UInt64]
  var frameStep: [UInt64]
  var frameFaults: [CameraFaults]
  var noisyBackground: [UInt8]
  var pixelNoise: [Int8]
  let angleTable: [Float]
  var tactile: [Float]  // robot × 4 fingers × 99
  var tactileSequence: [UInt64]
  var tactileStep: [UInt64]
  var tactileSpurious: [Bool]
  var imu: [ImuReading]

  /// A world at sim time 0 from `seed`.
  public init(seed: UInt64, config: CellWorldConfig = .defaults) {
    precondition(config.robotCount == 1 || config.robotCount == 2, "robotCount must be 1 or 2")
    self.config = config
    robotCount = config.robotCount
    let joints = robotCount * RobotLayout.jointCount
    q = (0..<robotCount * 2).flatMap { _ in RobotLayout.homeRad }
    qd = [Double](repeating: 0, count: joints)
    tauMotor = [Double](repeating: 0, count: joints)
    tauExternal = [Double](repeating: 0, count: joints)
    let hold = JointCommandInterfaces.holdingHome
    var command = [Double](repeating: 0, count: joints * 5)
    for r in 0..<robotCount {
      for j in 0..<RobotLayout.jointCount {
        let base = (r * RobotLayout.jointCount + j) * 5
        command[base] = hold.positionRad[j]
        command[base + 3] = hold.kp[j]
        command[base + 4] = hold.kd[j]
      }
    }
    latestCommand = command
    let depth = config.actuationDelaySteps + 1
    commandLine = (0..<depth).flatMap { _ in command }
    let gripper: [Double] = (0..<robotCount * 2).flatMap { _ -> [Double] in [RobotLayout.gripperMaxWidthM, 20] }
    latestGripper = gripper
    gripperLine = (0..<depth).flatMap { _ -> [Double] in gripper }
    gripperWidth = [Double](repeating: RobotLayout.gripperMaxWidthM, count: robotCount * 2)
    gripperForce = [Double](repeating: 0, count: robotCount * 2)
    axes = [Vector3](repeating: .zero, count: robotCount * 2 * 7)
    origins = axes
    tcp = [Pose3](repeating: Pose3(positionM: .zero, rotation: .identity), count: robotCount * 2)
    homeArmCentroid = [Vector3](repeating: .zero, count: robotCount * 2)
    kinematicsQ = [Double](repeating: .nan, count: joints)
    kinematicsBase = [Vector3](repeating: .zero, count: robotCount * 2)

    var seeds = WorldRandom(seed: seed)
    events = WorldRandom(seed: seeds.next())
    sensorRandom = WorldRandom(seed: seeds.next())
    var noiseSource = WorldRandom(seed: seeds.next())
    normals = (0..<4096).map { _ in noiseSource.normal() }
    robots = (0..<robotCount).map { r in RobotPhysics(robot: r, magnetAzimuthRad: noiseSource.uniform(0, 2 * .pi)) }

    cameras = CameraView.cell(robotCount: robotCount)
    let pixels = CameraView.widthPx * CameraView.heightPx
    frames = cameras.map { _ in [UInt8](repeating: 0, count: pixels) }
    frameSequence = [UInt64](repeating: 0, count: cameras.count)
    frameStep = frameSequence
    frameFaults = [CameraFaults](repeating: CameraFaults(), count: cameras.count)
    noisyBackground = (0..<(pixels + 8192)).map { _ in
      UInt8(clamping: Int((CameraView.backgroundGray + CameraView.noiseSigma * noiseSource.normal()).rounded()))
    }
    pixelNoise = (0..<(pixels + 8192)).map { _ in Int8(clamping: Int((CameraView.noiseSigma * noiseSource.normal()).rounded())) }
    angleTable = CameraView.makeAngleTable()
    tactile = [Float](repeating: 0, count: robotCount * 4 * TactileArray.taxels)
    tactileSequence = [UInt64](repeating: 0, count: robotCount)
    tactileStep = tactileSequence
    tactileSpurious = [Bool](repeating: false, count: robotCount * 4)
    imu = [ImuReading](repeating: ImuReading(), count: robotCount)

    updateKinematics()
    for a in 0..<robotCount * 2 { homeArmCentroid[a] = armCentroid(a) }
  }

  /// Simulated time since Reset, seconds.
  public var simTimeS: Double { Double(stepIndex) * Self.stepS }

  // MARK: - Commands and state

  /// The joint command a robot's controller sent for the coming tick (its command interfaces);
  /// it reaches the motors after the actuation delay. A robot keeps its last command until the
  /// next one.
  public mutating func setCommand(robot: Int, _ command: JointCommandInterfaces) {
    for j in 0..<RobotLayout.jointCount {
      let base = (robot * RobotLayout.jointCount + j) * 5
      latestCommand[base] = command.positionRad[j]
      latestCommand[base + 1] = command.velocityRadPerS[j]
      latestCommand[base + 2] = command.torqueNm[j]
      latestCommand[base + 3] = command.kp[j]
      latestCommand[base + 4] = command.kd[j]
    }
    for g in 0..<2 {
      latestGripper[(robot * 2 + g) * 2] = min(max(command.gripperWidthM[g], 0), RobotLayout.gripperMaxWidthM)
      latestGripper[(robot * 2 + g) * 2 + 1] = min(max(command.gripperForceN[g], 0), RobotLayout.gripperMaxForceN)
    }
  }

  /// Fills `frame` with what the robot's sensors measure now: encoder positions (quantised),
  /// velocities, joint torques (with noise), grippers and the latest IMU sample.
  public mutating func readState(robot: Int, into frame: inout JointStateFrame) {
    let step = RobotLayout.encoderStepRad
    for j in 0..<RobotLayout.jointCount {
      let i = robot * RobotLayout.jointCount + j
      frame.positionRad[j] = (q[i] / step).rounded() * step
      frame.velocityRadPerS[j] = qd[i]
      frame.torqueNm[j] = tauMotor[i] + 0.02 * nextNormal()
    }
    for g in 0..<2 {
      frame.gripperWidthM[g] = gripperWidth[robot * 2 + g]
      frame.gripperForceN[g] = gripperForce[robot * 2 + g]
    }
    frame.imu = imu[robot]
    frame.fallen = robots[robot].fallen
  }

  /// The true joint positions of a robot (no quantisation), radians; tests and the expert only.
  public func trueJointPositionsRad(robot: Int) -> ArraySlice<Double> {
    q[(robot * RobotLayout.jointCount)..<((robot + 1) * RobotLayout.jointCount)]
  }

  /// The true joint velocities of a robot, rad/s.
  public func trueJointVelocitiesRadPerS(robot: Int) -> ArraySlice<Double> {
    qd[(robot * RobotLayout.jointCount)..<((robot + 1) * RobotLayout.jointCount)]
  }

  /// The motor torques applied in the last step, N·m.
  public func appliedTorquesNm(robot: Int) -> ArraySlice<Double> {
    tauMotor[(robot * RobotLayout.jointCount)..<((robot + 1) * RobotLayout.jointCount)]
  }

  /// A gripper's TCP, world frame (arm 0 = left, 1 = right).
  public func tcpPose(robot: Int, arm: Int = RobotLayout.workingArm) -> Pose3 { tcp[robot * 2 + arm] }

  /// How far the torso (and with it the arms' bases) has swayed from its stance, world frame.
  public func torsoOffsetM(robot: Int) -> Vector3 { robots[robot].torsoOffsetM }

  /// A gripper's opening, metres.
  public func gripperWidthM(robot: Int, arm: Int = RobotLayout.workingArm) -> Double { gripperWidth[robot * 2 + arm] }

  // MARK: - Faults and rates

  /// Changes a failure mode's rate without a reset.
  public mutating func setRate(_ kind: WorldFault, probability: Double) {
    config.failureRates[kind] = min(max(probability, 0), 1)
  }

  /// Changes sensor rates without a reset (nil = unchanged; 0 = off).
  public mutating func setSensorRates(cameraHz: Double? = nil, tactileHz: Double? = nil, imuHz: Double? = nil) {
    if let cameraHz { config.cameraHz = max(cameraHz, 0) }
    if let tactileHz { config.tactileHz = max(tactileHz, 0) }
    if let imuHz { config.imuHz = max(imuHz, 0) }
  }

  /// Arms a fault; it triggers at its kind's next opportunities (a push starts now).
  public mutating func inject(_ fault: FaultInjection) {
    if fault.kind == .push {
      let magnitude = fault.magnitude > 0 ? fault.magnitude : WorldFault.push.defaultMagnitude
      let duration = fault.durationS ?? config.balance.pushDurationS
      for r in 0..<robotCount where fault.robot == nil || fault.robot == r {
        startPush(robot: r, forceN: magnitude, durationS: duration)
      }
      return
    }
    armed.append(fault)
    armedUntilStep.append(fault.durationS.map { stepIndex + UInt64(max($0, 0) / Self.stepS) } ?? .max)
  }

  /// Whether `kind` strikes at this opportunity for `robot`, and how hard: an armed injection
  /// first (consumed if it was for one opportunity), else the rate.
  mutating func draw(_ kind: WorldFault, robot: Int, camera: String? = nil) -> Double? {
    var index = 0
    while index < armed.count {
      let fault = armed[index]
      if armedUntilStep[index] < stepIndex {
        armed.remove(at: index)
        armedUntilStep.remove(at: index)
        continue
      }
      if fault.kind == kind, fault.robot == nil || fault.robot == robot,
        fault.camera == nil || camera == nil || fault.camera == camera
      {
        let strikes = fault.probability <= 0 || events.chance(fault.probability)
        if fault.durationS == nil {
          armed.remove(at: index)
          armedUntilStep.remove(at: index)
        }
        if strikes { return fault.magnitude > 0 ? fault.magnitude : kind.defaultMagnitude }
        return nil
      }
      index += 1
    }
    return events.chance(config.rate(kind)) ? kind.defaultMagnitude : nil
  }

  @inline(__always) mutating func nextNormal() -> Double {
    normalIndex = (normalIndex &+ Int(truncatingIfNeeded: sensorRandom.next() & 0x3FF) &+ 1) & 4095
    return normals[normalIndex]
  }

  // MARK: - Stepping

  /// Advances the world by 1 ms.
  public mutating func step() {
    let depth = config.actuationDelaySteps + 1
    let slotIn = Int(stepIndex % UInt64(depth))
    let slotOut = Int((stepIndex + 1) % UInt64(depth))
    let perSlot = latestCommand.count
    let perGripperSlot = latestGripper.count
    for i in 0..<perSlot { commandLine[slotIn * perSlot + i] = latestCommand[i] }
    for i in 0..<perGripperSlot { gripperLine[slotIn * perGripperSlot + i] = latestGripper[i] }
    let dt = Self.stepS
    for r in 0..<robotCount {
      let fallen = robots[r].fallen
      for j in 0..<RobotLayout.jointCount {
        let i = r * RobotLayout.jointCount + j
        let k = j % 7
        if fallen {
          qd[i] = 0
          tauMotor[i] = 0
          continue
        }
        let c = slotOut * perSlot + i * 5
        var tau = commandLine[c + 3] * (commandLine[c] - q[i]) + commandLine[c + 4] * (commandLine[c + 1] - qd[i])
          + commandLine[c + 2]
        let limit = RobotLayout.torqueMaxNm[k]
        tau = min(max(tau, -limit), limit)
        tauMotor[i] = tau
        let acceleration = (tau + tauExternal[i] - RobotLayout.dampingNmSPerRad[k] * qd[i]) / RobotLayout.inertiaKgM2[k]
        let vMax = RobotLayout.velocityMaxRadPerS[k]
        var velocity = min(max(qd[i] + acceleration * dt, -vMax), vMax)
        var position = q[i] + velocity * dt
        if position < RobotLayout.positionMinRad[k] {
          position = RobotLayout.positionMinRad[k]
          velocity = max(velocity, 0)
        } else if position > RobotLayout.positionMaxRad[k] {
          position = RobotLayout.positionMaxRad[k]
          velocity = min(velocity, 0)
        }
        q[i] = position
        qd[i] = velocity
      }
      for g in 0..<2 {
        let a = r * 2 + g
        let target = gripperLine[slotOut * perGripperSlot + a * 2]
        let force = gripperLine[slotOut * perGripperSlot + a * 2 + 1]
        let travel = RobotLayout.gripperSpeedMPerS * dt
        var width = gripperWidth[a] + min(max(target - gripperWidth[a], -travel), travel)
        var gripping = false
        if g == RobotLayout.workingArm, robots[r].nutBetweenFingers, width <= 2 * config.nut.outerRadiusM {
          width = 2 * config.nut.outerRadiusM
          gripping = target < width
        }
        gripperWidth[a] = width
        gripperForce[a] = gripping ? force : 0
      }
    }
    updateKinematics()
    for r in 0..<robotCount {
      updateNut(robot: r)
      updateBalance(robot: r)
    }
    stepIndex += 1
    updateSensors()
  }

  /// Forward kinematics of every arm that moved (from the torso, which sways with the balance
  /// model). "Moved" means a joint by more than 1 nrad or the base by more than 1 nm.
  mutating func updateKinematics() {
    let arm = config.arm
    q.withUnsafeBufferPointer { qBuffer in
      axes.withUnsafeMutableBufferPointer { axesBuffer in
        origins.withUnsafeMutableBufferPointer { originsBuffer in
          for a in 0..<robotCount * 2 {
            let r = a / 2
            let base = RobotLayout.world(RobotLayout.armBaseM[a % 2], robot: r) + robots[r].torsoOffsetM
            var moved = abs(base.x - kinematicsBase[a].x) > 1e-9 || abs(base.y - kinematicsBase[a].y) > 1e-9
            if !moved {
              for i in 0..<7 where !(abs(qBuffer[a * 7 + i] - kinematicsQ[a * 7 + i]) <= 1e-9) {
                moved = true
                break
              }
            }
            guard moved else { continue }
            for i in 0..<7 { kinematicsQ[a * 7 + i] = qBuffer[a * 7 + i] }
            kinematicsBase[a] = base
            var pose = arm.forward(
              qBuffer.baseAddress! + a * 7, axes: axesBuffer.baseAddress! + a * 7,
              origins: originsBuffer.baseAddress! + a * 7)
            for i in 0..<7 { originsBuffer[a * 7 + i] += base }
            pose.positionM += base
            tcp[a] = pose
          }
        }
      }
    }
  }

  /// Mean of an arm's joint origins and TCP, world frame (its centre of mass, roughly).
  func armCentroid(_ a: Int) -> Vector3 {
    var sum = tcp[a].positionM
    for i in 0..<7 { sum += origins[a * 7 + i] }
    return sum / 8
  }

  /// Joint torques that a force at arm `a`'s TCP produces: τ = Jᵀ F.
  mutating func applyTcpForce(arm a: Int, forceN: Vector3) {
    let r = a / 2
    let first = r * RobotLayout.jointCount + (a % 2) * 7
    let p = tcp[a].positionM
    for i in 0..<7 {
      tauExternal[first + i] = dot(cross(axes[a * 7 + i], p - origins[a * 7 + i]), forceN)
    }
  }
}
