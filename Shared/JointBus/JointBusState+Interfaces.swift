import RobotHardware

extension JointBusState {
  /// What the datagram carries for the controller, into `interfaces`: the timestamp, the joints,
  /// grippers and IMU, and status bit 0 (fallen). The UDP joint bus's read.
  public func copy(into interfaces: inout JointStateInterfaces) {
    interfaces.measuredAtNanoseconds = header.timestampNs
    for j in 0..<JointBus.jointCount {
      interfaces.positionRad[j] = positionRad[j]
      interfaces.velocityRadPerS[j] = velocityRadPerS[j]
      interfaces.torqueNm[j] = torqueNm[j]
    }
    for g in 0..<JointBus.gripperCount {
      interfaces.gripperWidthM[g] = gripperWidthM[g]
      interfaces.gripperForceN[g] = gripperForceN[g]
    }
    interfaces.imuSpecificForceMPerS2 = imuSpecificForceMPerS2
    interfaces.imuAngularRateRadPerS = imuAngularRateRadPerS
    interfaces.imuOrientation = imuOrientation
    interfaces.fallen = status & 1 != 0
  }

  /// The measurements of `interfaces` into the datagram (the robot side: a simulated robot
  /// serving the bus). The header, the applied command's sequence and the status bits are the
  /// caller's.
  public mutating func setMeasurements(from interfaces: JointStateInterfaces) {
    for j in 0..<JointBus.jointCount {
      positionRad[j] = interfaces.positionRad[j]
      velocityRadPerS[j] = interfaces.velocityRadPerS[j]
      torqueNm[j] = interfaces.torqueNm[j]
    }
    for g in 0..<JointBus.gripperCount {
      gripperWidthM[g] = interfaces.gripperWidthM[g]
      gripperForceN[g] = interfaces.gripperForceN[g]
    }
    imuSpecificForceMPerS2 = interfaces.imuSpecificForceMPerS2
    imuAngularRateRadPerS = interfaces.imuAngularRateRadPerS
    imuOrientation = interfaces.imuOrientation
  }
}
