#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A point or direction in metres, world frame unless a name says otherwise.
public typealias Vector3 = SIMD3<Double>

@inline(__always) func _sin(_ x: Double) -> Double { sin(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _atan2(_ y: Double, _ x: Double) -> Double { atan2(y, x) }

@inline(__always) func dot(_ a: Vector3, _ b: Vector3) -> Double { (a * b).sum() }
@inline(__always) func cross(_ a: Vector3, _ b: Vector3) -> Vector3 {
  Vector3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inline(__always) func length(_ a: Vector3) -> Double { dot(a, a).squareRoot() }

/// A rotation matrix stored by columns (the rotated frame's axes in the outer frame).
public struct Rotation3: Sendable, Hashable {
  /// The rotated frame's x, y and z axes.
  public var x: Vector3, y: Vector3, z: Vector3

  /// A rotation from its three axes.
  public init(x: Vector3, y: Vector3, z: Vector3) {
    self.x = x
    self.y = y
    self.z = z
  }

  /// No rotation.
  public static let identity = Rotation3(x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1])

  /// A rotation of `angleRad` about the z axis.
  public static func aboutZ(_ angleRad: Double) -> Rotation3 {
    let c = _cos(angleRad)
    let s = _sin(angleRad)
    return Rotation3(x: [c, s, 0], y: [-s, c, 0], z: [0, 0, 1])
  }

  /// A tool frame pointing straight down (z = −world z) turned by `yawRad` about the vertical.
  public static func pointingDown(yawRad: Double) -> Rotation3 {
    let c = _cos(yawRad)
    let s = _sin(yawRad)
    return Rotation3(x: [c, s, 0], y: [s, -c, 0], z: [0, 0, -1])
  }

  /// `self × v`.
  @inline(__always) public func apply(_ v: Vector3) -> Vector3 { x * v.x + y * v.y + z * v.z }
  /// `selfᵀ × v`.
  @inline(__always) public func applyInverse(_ v: Vector3) -> Vector3 { Vector3(dot(x, v), dot(y, v), dot(z, v)) }
  /// `self × other`.
  @inline(__always) public func compose(_ other: Rotation3) -> Rotation3 {
    Rotation3(x: apply(other.x), y: apply(other.y), z: apply(other.z))
  }

  /// The heading of the frame's x axis about world z, radians.
  public var yawRad: Double { _atan2(x.y, x.x) }

  /// The unit quaternion (w, x, y, z) of this rotation.
  public var quaternion: Quaternion {
    let (w, x, y, z) = quaternionComponents
    return Quaternion(w: w, x: x, y: y, z: z)
  }

  private var quaternionComponents: (Double, Double, Double, Double) {
    let trace = x.x + y.y + z.z
    if trace > 0 {
      let s = (trace + 1).squareRoot() * 2
      return (0.25 * s, (y.z - z.y) / s, (z.x - x.z) / s, (x.y - y.x) / s)
    } else if x.x > y.y && x.x > z.z {
      let s = (1 + x.x - y.y - z.z).squareRoot() * 2
      return ((y.z - z.y) / s, 0.25 * s, (y.x + x.y) / s, (z.x + x.z) / s)
    } else if y.y > z.z {
      let s = (1 + y.y - x.x - z.z).squareRoot() * 2
      return ((z.x - x.z) / s, (y.x + x.y) / s, 0.25 * s, (z.y + y.z) / s)
    } else {
      let s = (1 + z.z - x.x - y.y).squareRoot() * 2
      return ((x.y - y.x) / s, (z.x + x.z) / s, (z.y + y.z) / s, 0.25 * s)
    }
  }
}

/// A unit quaternion (w + xi + yj + zk).
public struct Quaternion: Sendable, Hashable {
  /// Components.
  public var w: Double, x: Double, y: Double, z: Double

  /// A quaternion from its components.
  public init(w: Double, x: Double, y: Double, z: Double) {
    self.w = w
    self.x = x
    self.y = y
    self.z = z
  }

  /// No rotation.
  public static let identity = Quaternion(w: 1, x: 0, y: 0, z: 0)
}

/// A rigid pose: position in metres and orientation.
public struct Pose3: Sendable, Hashable {
  /// Position, metres.
  public var positionM: Vector3
  /// Orientation.
  public var rotation: Rotation3

  /// A pose from its parts.
  public init(positionM: Vector3, rotation: Rotation3) {
    self.positionM = positionM
    self.rotation = rotation
  }
}

/// Wraps an angle into [−period/2, period/2).
@inline(__always) func wrap(_ angle: Double, period: Double) -> Double {
  var a = angle.truncatingRemainder(dividingBy: period)
  if a >= period / 2 { a -= period }
  if a < -period / 2 { a += period }
  return a
}
