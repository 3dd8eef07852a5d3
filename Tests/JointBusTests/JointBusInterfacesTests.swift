import JointBus
import RobotHardware
import Testing

/// The joint bus as one implementation of the controller's hardware seam: a state datagram reads
/// into the state interfaces, the command interfaces write into a command datagram, and the
/// in-process hub carries the interfaces themselves.
@Suite("Joint bus ↔ state and command interfaces")
struct JointBusInterfacesTests {
  @Test("a state datagram's measurements, time and fallen bit reach the state interfaces and back")
  func stateRoundTrip() {
    var state = JointBusState()
    state.header = .init(robot: 1, sequence: 42, timestampNs: 42_000_000)
    for j in 0..<JointBus.jointCount {
      state.positionRad[j] = Double(j) * 0.1
      state.velocityRadPerS[j] = -Double(j)
      state.torqueNm[j] = Double(j) * 2
    }
    state.gripperWidthM = [0.01, 0.02]
    state.gripperForceN = [3, 4]
    state.imuSpecificForceMPerS2 = (0.1, 0.2, 9.8)
    state.imuAngularRateRadPerS = (0.01, 0.02, 0.03)
    state.imuOrientation = (0.9, 0.1, 0.2, 0.3)
    state.status = 1 | 2
    var interfaces = JointStateInterfaces()
    state.copy(into: &interfaces)
    #expect(interfaces.measuredAtNanoseconds == 42_000_000 && interfaces.fallen)
    #expect(interfaces.positionRad == state.positionRad && interfaces.velocityRadPerS == state.velocityRadPerS)
    #expect(interfaces.torqueNm == state.torqueNm)
    #expect(interfaces.gripperWidthM == state.gripperWidthM && interfaces.gripperForceN == state.gripperForceN)
    #expect(interfaces.imuOrientation == state.imuOrientation && interfaces.imuSpecificForceMPerS2 == state.imuSpecificForceMPerS2)
    #expect(interfaces.imuAngularRateRadPerS == state.imuAngularRateRadPerS)
    var back = JointBusState()
    back.header = state.header
    back.status = state.status
    back.setMeasurements(from: interfaces)
    #expect(back == state)
    state.status = 2
    state.copy(into: &interfaces)
    #expect(!interfaces.fallen, "bit 1 (held) is the robot's, not a fall")
  }

  @Test("the command interfaces become the datagram's targets; header and flags stay the sender's")
  func commandTargets() {
    var interfaces = JointCommandInterfaces()
    for j in 0..<JointBus.jointCount {
      interfaces.positionRad[j] = Double(j)
      interfaces.velocityRadPerS[j] = 0.5
      interfaces.torqueNm[j] = -1
      interfaces.kp[j] = 600
      interfaces.kd[j] = 40
    }
    interfaces.gripperWidthM = [0.08, 0.04]
    interfaces.gripperForceN = [20, 70]
    var command = JointBusCommand()
    command.header = .init(robot: 1, sequence: 7, timestampNs: 9)
    command.flags = 1
    command.setTargets(from: interfaces)
    #expect(command.positionRad == interfaces.positionRad && command.velocityRadPerS == interfaces.velocityRadPerS)
    #expect(command.torqueNm == interfaces.torqueNm && command.kp == interfaces.kp && command.kd == interfaces.kd)
    #expect(command.gripperWidthM == interfaces.gripperWidthM && command.gripperForceN == interfaces.gripperForceN)
    #expect(command.header == .init(robot: 1, sequence: 7, timestampNs: 9) && command.flags == 1)
  }

  /// A controller that answers each state with its positions as targets.
  final class EchoController: JointBusController, @unchecked Sendable {
    var ticks = 0
    func tick(_ state: inout JointStateInterfaces, command: inout JointCommandInterfaces) -> UInt64 {
      ticks += 1
      command.positionRad = state.positionRad
      return state.measuredAtNanoseconds
    }
    func serviceRequests() {}
  }

  @Test("the hub ticks an attached controller with the interfaces, and nobody once detached")
  func hubCarriesTheInterfaces() {
    let hub = JointBusHub()
    let controller = EchoController()
    var state = JointStateInterfaces()
    var command = JointCommandInterfaces()
    state.positionRad[3] = 1.25
    state.measuredAtNanoseconds = 5_000_000
    #expect(hub.tick(robot: 0, state: &state, command: &command) == nil)
    hub.attach(robot: 0, controller)
    #expect(hub.tick(robot: 0, state: &state, command: &command) == 5_000_000)
    #expect(command.positionRad[3] == 1.25 && controller.ticks == 1)
    hub.detach(robot: 0)
    #expect(hub.tick(robot: 0, state: &state, command: &command) == nil && controller.ticks == 1)
  }
}
