/// Per-robot state of the world beyond the joints: the nut it handles and its balance.
struct RobotPhysics: Sendable {
  enum PinContact: Sendable { case none, engaged, jammed }

  let robot: Int
  let magnetAzimuthRad: Double

  // Nut.
  var nutState = NutState.none
  var nutPositionM = Vector3.zero
  var nutYawRad = 0.0
  var gripOffsetM = Vector3.zero
  var gripYawOffsetRad = 0.0
  var friction = 0.5
  var slipDistanceM = 0.0
  var slipping = false
  var nutBetweenFingers = false
  var pinContact = PinContact.none
  var magnetDrawn = false
  var extraPullN = 0.0
  var contactForceN = Vector3.zero
  var armLoaded = false
  /// How the nut started on the pin and was let go (what decides cross-threading).
  var seating = NutModel.Seating.nominal

  // Balance (robot frame, relative to the feet centre).
  var comX = 0.0, comY = 0.0, comVX = 0.0, comVY = 0.0
  var totalComX = 0.0, totalComY = 0.0
  var accelerationX = 0.0, accelerationY = 0.0
  var pushForceN = Vector3.zero
  var pushUntilStep: UInt64 = 0
  var fallen = false
  var marginM = 0.0
  var rollRad = 0.0, pitchRad = 0.0, rollRateRadPerS = 0.0, pitchRateRadPerS = 0.0

  init(robot: Int, magnetAzimuthRad: Double) {
    self.robot = robot
    self.magnetAzimuthRad = magnetAzimuthRad
  }

  var torsoOffsetM: Vector3 { Vector3(comX, comY, 0) }
}
