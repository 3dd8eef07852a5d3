import RobotHardware
import WholeBodyControl

/// Checks every command leaving the controller against the limits: position, speed, the change
/// of commanded velocity (acceleration), the commanded position's rate, and the torque the drive
/// would produce from the measured state the command was computed for.
struct CommandAudit {
  let limits: JointLimits
  var previous: JointCommandInterfaces?
  var violations: [String] = []
  var commands = 0
  var peakAccelerationFraction = 0.0
  var peakTorqueFraction = 0.0
  let dtS = 0.001

  init(limits: JointLimits) { self.limits = limits }

  mutating func check(_ command: JointCommandInterfaces, state: JointStateInterfaces) {
    commands += 1
    let powered = command.kp.contains { $0 != 0 } || command.kd.contains { $0 != 0 }
    defer { previous = powered ? command : nil }
    guard powered else { return }
    let slack = 1e-6
    for j in 0..<limits.jointCount {
      let q = command.positionRad[j]
      let v = command.velocityRadPerS[j]
      if q < limits.positionMinRad[j] - slack || q > limits.positionMaxRad[j] + slack {
        note("joint \(j) position \(q) outside [\(limits.positionMinRad[j]), \(limits.positionMaxRad[j])]")
      }
      if abs(v) > limits.velocityMaxRadPerS[j] + slack { note("joint \(j) velocity \(v)") }
      let tau =
        command.kp[j] * (q - state.positionRad[j]) + command.kd[j] * (v - state.velocityRadPerS[j])
        + command.torqueNm[j]
      peakTorqueFraction = max(peakTorqueFraction, abs(tau) / limits.torqueMaxNm[j])
      if abs(tau) > limits.torqueMaxNm[j] + slack { note("joint \(j) torque \(tau)") }
      if let previous {
        let acceleration = (v - previous.velocityRadPerS[j]) / dtS
        peakAccelerationFraction = max(peakAccelerationFraction, abs(acceleration) / limits.accelerationMaxRadPerS2[j])
        if abs(acceleration) > limits.accelerationMaxRadPerS2[j] * (1 + 1e-6) + slack {
          note("joint \(j) acceleration \(acceleration)")
        }
        let rate = (q - previous.positionRad[j]) / dtS
        if abs(rate) > limits.velocityMaxRadPerS[j] + 1e-3 { note("joint \(j) position rate \(rate)") }
      }
    }
  }

  private mutating func note(_ violation: String) {
    if violations.count < 20 { violations.append("command \(commands): \(violation)") }
  }
}
