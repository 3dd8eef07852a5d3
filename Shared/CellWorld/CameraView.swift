/// A fixed overhead camera: pinhole model, optical frame z forward (down), x along world +x,
/// y along world −y, so image u grows with world x and v with world −y.
public struct CameraView: Sendable, Hashable {
  /// Image width, pixels.
  public static let widthPx = 320
  /// Image height, pixels.
  public static let heightPx = 240
  /// Table grey level.
  static let backgroundGray = 200.0
  /// Nut grey level (dark steel).
  static let nutGray = 45
  /// Pin grey level.
  static let pinGray = 120
  /// Per-pixel noise, grey levels (σ).
  static let noiseSigma = 3.0
  /// Half-size of the angle lookup table, pixels.
  static let angleTableHalf = 160

  /// Camera id, e.g. "left_feeder".
  public let id: String
  /// Robot (side) the camera watches for.
  public let robot: Int
  /// True for the camera over the pin, false for the one over the feeder's pick position.
  public let watchesPin: Bool
  /// Optical centre, world frame, metres.
  public let positionM: Vector3
  /// Optical frame axes in the world.
  public let rotation: Rotation3
  /// Focal lengths, pixels.
  public let fxPx: Double, fyPx: Double
  /// Principal point, pixels.
  public let cxPx: Double, cyPx: Double

  /// The cell's cameras: per robot, one over the feeder's pick position and one over the pin.
  static func cell(robotCount: Int) -> [CameraView] {
    var cameras: [CameraView] = []
    let down = Rotation3(x: [1, 0, 0], y: [0, -1, 0], z: [0, 0, -1])
    for r in 0..<robotCount {
      let side = RobotLayout.robot.layout.robotIDs[r]
      let pick = RobotLayout.world(RobotLayout.pickPositionM, robot: r)
      let pin = RobotLayout.world(RobotLayout.pinSeatM, robot: r)
      cameras.append(
        CameraView(
          id: "\(side)_feeder", robot: r, watchesPin: false,
          positionM: Vector3(pick.x, pick.y, pin.z + RobotLayout.cameraHeightM), rotation: down, fxPx: 600, fyPx: 600,
          cxPx: 159.5, cyPx: 119.5))
      cameras.append(
        CameraView(
          id: "\(side)_fixture", robot: r, watchesPin: true,
          positionM: Vector3(pin.x, pin.y, pin.z + RobotLayout.cameraHeightM), rotation: down, fxPx: 600, fyPx: 600,
          cxPx: 159.5, cyPx: 119.5))
    }
    return cameras
  }

  /// Pixel coordinates and depth of a world point, or nil behind the camera.
  public func project(_ pointM: Vector3) -> (u: Double, v: Double, depthM: Double)? {
    let local = rotation.applyInverse(pointM - positionM)
    guard local.z > 0.01 else { return nil }
    return (fxPx * local.x / local.z + cxPx, fyPx * local.y / local.z + cyPx, local.z)
  }

  /// atan2(−dy, dx) for integer pixel offsets: the world angle of an image direction.
  static func makeAngleTable() -> [Float] {
    let side = 2 * angleTableHalf + 1
    var table = [Float](repeating: 0, count: side * side)
    for iy in -angleTableHalf...angleTableHalf {
      for ix in -angleTableHalf...angleTableHalf {
        table[(iy + angleTableHalf) * side + ix + angleTableHalf] = Float(_atan2(Double(-iy), Double(ix)))
      }
    }
    return table
  }
}

/// What degraded a camera frame (ground truth of the sensor faults).
public struct CameraFaults: Sendable, Hashable {
  /// Fraction of the frame covered by a glare patch (0 = none).
  public var glareFraction = 0.0
  /// Fraction of the frame covered by an occluder (0 = none).
  public var occlusionFraction = 0.0
}

/// The fingertip tactile arrays: 11 × 9 taxels per finger, rows along the finger (row 0 nearest
/// the tip), columns across the pad.
public enum TactileArray {
  /// Taxel rows.
  public static let rows = 11
  /// Taxel columns.
  public static let cols = 9
  /// Taxels per finger.
  public static let taxels = rows * cols
  /// Distance between taxel centres, millimetres.
  public static let pitchMm = 1.6
  /// Contact modulus E* of the pad's silicone skin, pascals (Hertz line contact).
  public static let padModulusPa = 1.0e6
  /// Finger ids in their order in a robot's tactile buffer.
  public static let fingers = [
    "left_gripper/finger_a", "left_gripper/finger_b", "right_gripper/finger_a", "right_gripper/finger_b",
  ]
}
