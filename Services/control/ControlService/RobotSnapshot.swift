import JointBus
import WholeBodyControl

/// The robot as the loop last saw it, published once per tick for the gRPC handlers.
struct RobotSnapshot: Sendable {
  /// A joint-bus state has arrived at least once.
  var connected = false
  /// States are arriving (no bus timeout).
  var busHealthy = false
  /// When the newest state was measured, Unix nanoseconds.
  var measuredAtUnixNanoseconds: UInt64 = 0
  var positionRad = [Double](repeating: 0, count: JointBus.jointCount)
  var velocityRadPerS = [Double](repeating: 0, count: JointBus.jointCount)
  var torqueNm = [Double](repeating: 0, count: JointBus.jointCount)
  var gripperWidthM = [Double](repeating: 0, count: JointBus.gripperCount)
  var gripperForceN = [Double](repeating: 0, count: JointBus.gripperCount)
  /// Centre of mass, robot frame (feet centre origin), metres.
  var comM = SIMD3<Double>.zero
  var balanceMarginM = 0.0
  var mode = ControlMode.disabled
  var activeStop: StopCategory?
  var safetyOpen = false
  /// Why the robot is stopped (last stop request, safety or fault), for the operator.
  var stopReason = ""
  /// The chunk being tracked; empty when none.
  var activeChunkID = ""
  /// Ticks run by the loop.
  var ticks: UInt64 = 0

  /// A copy with buffers of its own, so the loop's next in-place write does not have to copy
  /// (the loop never allocates per tick).
  func detached() -> RobotSnapshot {
    var copy = self
    copy.positionRad = positionRad.map { $0 }
    copy.velocityRadPerS = velocityRadPerS.map { $0 }
    copy.torqueNm = torqueNm.map { $0 }
    copy.gripperWidthM = gripperWidthM.map { $0 }
    copy.gripperForceN = gripperForceN.map { $0 }
    return copy
  }
}
