#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

import RobotDescription

/// Forward kinematics of the robot description's 7-DoF arm (its modified DH chain and tool frame,
/// the chain CellWorld's `ArmKinematics` simulates): the TCP between the fingertips, and the arm's
/// centroid — the mean of its joint origins and TCP, the same approximation of the arm's centre of
/// mass the simulated balance model uses. Positions are in the arm's base frame.
public struct ArmChain: Sendable {
  let aM: [Double]
  let dM: [Double]
  let cosAlpha: [Double]
  let sinAlpha: [Double]
  /// Flange to TCP along the flange's z axis (flange 0.107 m + gripper 0.1034 m).
  let toolOffsetM: Double

  /// The reference arm (``RobotDescription/reference``).
  public init() { self.init(RobotDescription.reference.arm.chain) }

  /// The arm of `chain`.
  public init(_ chain: DenavitHartenbergChain) {
    aM = chain.aM
    dM = chain.dM
    toolOffsetM = chain.toolOffsetM
    cosAlpha = chain.alphaRad.map { cos($0) }
    sinAlpha = chain.alphaRad.map { sin($0) }
  }

  /// The TCP for joints `q[first ..< first + 7]`.
  public func tcpPositionM(_ q: [Double], first: Int = 0) -> SIMD3<Double> { walk(q, first: first).tcpM }

  /// The centroid for joints `q[first ..< first + 7]`.
  public func centroidM(_ q: [Double], first: Int) -> SIMD3<Double> {
    let chain = walk(q, first: first)
    return (chain.jointOriginSumM + chain.tcpM) / 8
  }

  /// The TCP's position and its frame's axes (the flange's: z along the approach) for joints
  /// `q[first ..< first + 7]`, in the arm's base frame.
  public func tcpFrame(_ q: [Double], first: Int = 0) -> ToolFrame {
    let chain = walk(q, first: first)
    return ToolFrame(positionM: chain.tcpM, xAxis: chain.axes.0, yAxis: chain.axes.1, zAxis: chain.axes.2)
  }

  /// Walks the chain once: the sum of the seven joint origins, the TCP and the flange's axes.
  private func walk(_ q: [Double], first: Int) -> (
    jointOriginSumM: SIMD3<Double>, tcpM: SIMD3<Double>, axes: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
  ) {
    // Rotation as three columns; position accumulates Tᵢ = RotX(α) · TransX(a) · RotZ(θ) · TransZ(d).
    var rx = SIMD3<Double>(1, 0, 0)
    var ry = SIMD3<Double>(0, 1, 0)
    var rz = SIMD3<Double>(0, 0, 1)
    var p = SIMD3<Double>.zero
    var sum = SIMD3<Double>.zero
    for i in 0..<7 {
      let ca = cosAlpha[i]
      let sa = sinAlpha[i]
      let ct = cos(q[first + i])
      let st = sin(q[first + i])
      let t = SIMD3(aM[i], -sa * dM[i], ca * dM[i])
      p += rx * t.x + ry * t.y + rz * t.z
      let nx = rx * ct + ry * (st * ca) + rz * (st * sa)
      let ny = rx * (-st) + ry * (ct * ca) + rz * (ct * sa)
      let nz = ry * (-sa) + rz * ca
      rx = nx
      ry = ny
      rz = nz
      sum += p
    }
    return (sum, p + rz * toolOffsetM, (rx, ry, rz))
  }
}

/// The tool (TCP) frame: its origin and axes in the arm's base frame.
public struct ToolFrame: Sendable, Hashable {
  public var positionM: SIMD3<Double>
  public var xAxis: SIMD3<Double>
  public var yAxis: SIMD3<Double>
  public var zAxis: SIMD3<Double>

  /// A point given in the tool frame, in the arm's base frame.
  public func point(_ inTool: SIMD3<Double>) -> SIMD3<Double> {
    positionM + xAxis * inTool.x + yAxis * inTool.y + zAxis * inTool.z
  }
}
