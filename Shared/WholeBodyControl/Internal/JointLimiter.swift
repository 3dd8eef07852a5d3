import RobotHardware

/// The one place limits are enforced (after ros2_control's joint_limits): turns the reference into
/// the command that leaves the controller. Per joint and tick, in this order:
/// 1. velocity band: the speed limit, the acceleration limit around the last commanded velocity,
///    and the braking velocity that still stops before the position limit;
/// 2. the commanded velocity follows the reference's (feed-forward) plus a time-optimal approach
///    of the remaining position gap, clamped to the band; position integrates it;
/// 3. position clamped to its limits;
/// 4. torque: the feed-forward is clamped to the torque limit and, if the drive's
///    kp (q* − q) + kd (q̇* − q̇) + τ_ff predicted from the measured state would exceed the limit,
///    kp and kd are scaled down for this tick (the reference stays smooth).
struct JointLimiter: Sendable {
  let limits: JointLimits
  let gains: JointGains
  let periodS: Double
  /// The last command sent, per joint.
  var lastPositionRad: [Double]
  var lastVelocityRadPerS: [Double]
  /// Joints whose gains were scaled for torque on the last tick.
  var torqueLimitedJoints = 0
  /// Ticks on which any clamp was active (diagnostics).
  var limitedTicks: UInt64 = 0

  init(limits: JointLimits, gains: JointGains, periodS: Double) {
    self.limits = limits
    self.gains = gains
    self.periodS = periodS
    lastPositionRad = [Double](repeating: 0, count: limits.jointCount)
    lastVelocityRadPerS = [Double](repeating: 0, count: limits.jointCount)
  }

  /// Restarts from the measured state (power-up, after torque off).
  mutating func seed(from state: JointStateInterfaces) {
    for j in 0..<limits.jointCount {
      let vMax = limits.velocityMaxRadPerS[j]
      lastPositionRad[j] = min(max(state.positionRad[j], limits.positionMinRad[j]), limits.positionMaxRad[j])
      lastVelocityRadPerS[j] = min(max(state.velocityRadPerS[j], -vMax), vMax)
    }
  }

  /// Writes the limited command for `positionRad`/`velocityRadPerS` (the reference) into `command`.
  mutating func apply(
    positionRad: [Double], velocityRadPerS: [Double], state: JointStateInterfaces, command: inout JointCommandInterfaces
  ) {
    let dt = periodS
    var limited = false
    torqueLimitedJoints = 0
    for j in 0..<limits.jointCount {
      let vMax = limits.velocityMaxRadPerS[j]
      let aMax = limits.accelerationMaxRadPerS2[j]
      let qMin = limits.positionMinRad[j]
      let qMax = limits.positionMaxRad[j]
      let q0 = lastPositionRad[j]
      let v0 = lastVelocityRadPerS[j]

      var low = max(-vMax, v0 - aMax * dt)
      var high = min(vMax, v0 + aMax * dt)
      // Braking: the speed from which a stop at aMax still ends inside the limits (less one tick).
      let brakeUp = max((2 * aMax * max(qMax - q0, 0)).squareRoot() - aMax * dt, 0)
      let brakeDown = max((2 * aMax * max(q0 - qMin, 0)).squareRoot() - aMax * dt, 0)
      high = max(min(high, brakeUp), low)
      low = min(max(low, -brakeDown), high)

      // Feed-forward plus a time-optimal close of the gap the feed-forward leaves.
      let gap = positionRad[j] - q0 - velocityRadPerS[j] * dt
      let approach = min(abs(gap) / dt, (2 * aMax * abs(gap)).squareRoot())
      let wanted = velocityRadPerS[j] + (gap < 0 ? -approach : approach)
      var v = min(max(wanted, low), high)
      var q = q0 + v * dt
      if q < qMin || q > qMax {
        q = min(max(q, qMin), qMax)
        v = (q - q0) / dt
      }
      if abs(v - wanted) > 1e-9 { limited = true }

      let acceleration = (v - v0) / dt
      let tauMax = limits.torqueMaxNm[j]
      var feedForward = gains.inertiaKgM2[j] * acceleration + gains.dampingNmSPerRad[j] * v
      feedForward = min(max(feedForward, -tauMax), tauMax)
      var kp = gains.kpNmPerRad[j]
      var kd = gains.kdNmSPerRad[j]
      let feedback = kp * (q - state.positionRad[j]) + kd * (v - state.velocityRadPerS[j])
      let predicted = feedback + feedForward
      if abs(predicted) > tauMax, feedback != 0 {
        let bound = predicted > 0 ? tauMax : -tauMax
        let scale = min(max((bound - feedForward) / feedback, 0), 1)
        kp *= scale
        kd *= scale
        torqueLimitedJoints += 1
        limited = true
      }

      command.positionRad[j] = q
      command.velocityRadPerS[j] = v
      command.torqueNm[j] = feedForward
      command.kp[j] = kp
      command.kd[j] = kd
      lastPositionRad[j] = q
      lastVelocityRadPerS[j] = v
    }
    if limited { limitedTicks &+= 1 }
  }
}
