import RobotHardware

extension JointBusCommand {
  /// The controller's command into the datagram's targets, gains and gripper fields (the header
  /// and flags are the sender's). The UDP joint bus's write.
  public mutating func setTargets(from interfaces: JointCommandInterfaces) {
    for j in 0..<JointBus.jointCount {
      positionRad[j] = interfaces.positionRad[j]
      velocityRadPerS[j] = interfaces.velocityRadPerS[j]
      torqueNm[j] = interfaces.torqueNm[j]
      kp[j] = interfaces.kp[j]
      kd[j] = interfaces.kd[j]
    }
    for g in 0..<JointBus.gripperCount {
      gripperWidthM[g] = interfaces.gripperWidthM[g]
      gripperForceN[g] = interfaces.gripperForceN[g]
    }
  }
}
