import RobotHardware

extension JointStateFrame {
  /// The robot's measured state as the controller reads it (the simulated hardware's read),
  /// stamped `measuredAtNanoseconds` (simulated time). Copies into `interfaces`' buffers; nothing
  /// is allocated.
  public func copy(into interfaces: inout JointStateInterfaces, measuredAtNanoseconds: UInt64) {
    interfaces.measuredAtNanoseconds = measuredAtNanoseconds
    for j in 0..<positionRad.count {
      interfaces.positionRad[j] = positionRad[j]
      interfaces.velocityRadPerS[j] = velocityRadPerS[j]
      interfaces.torqueNm[j] = torqueNm[j]
    }
    for g in 0..<gripperWidthM.count {
      interfaces.gripperWidthM[g] = gripperWidthM[g]
      interfaces.gripperForceN[g] = gripperForceN[g]
    }
    interfaces.imuSpecificForceMPerS2 = (imu.specificForceMPerS2.x, imu.specificForceMPerS2.y, imu.specificForceMPerS2.z)
    interfaces.imuAngularRateRadPerS = (imu.angularRateRadPerS.x, imu.angularRateRadPerS.y, imu.angularRateRadPerS.z)
    interfaces.imuOrientation = (imu.orientation.w, imu.orientation.x, imu.orientation.y, imu.orientation.z)
    interfaces.fallen = fallen
  }
}
