import Foundation
import Synchronization
import WholeBodyControl
import WorkcellProto

/// How the fake peers of one test behave, and what they were asked: one object the four fakes
/// share, so a scenario is one value and its assertions read one place.
final class FakeCell: Sendable {
  /// A scenario: what each peer does at each step of the cycle (the defaults run a good cycle).
  struct Script: Sendable, CustomStringConvertible {
    var name: String
    /// plc-bridge refuses RequestPart with this status (nil: the feeder presents a nut).
    var requestPartRefusal: RPCErrorCode? = nil
    /// The feeder camera sees the presented nut.
    var nutVisible = true
    /// While reaching, the nut is under the fingers already (else 0.2 m in front of them, so the
    /// motion loop keeps asking the policy).
    var nutUnderFingers = true
    /// Touch says the held nut slips.
    var slipping = false
    /// The policy answers Act (else UNAVAILABLE: an outage).
    var policyAvailable = true
    /// The policy answers Act with INVALID_ARGUMENT (it refuses the observation).
    var policyRefuses = false
    /// Control rejects the first chunk on its Execute stream with this detail and goes to fault.
    var executeFault: String? = nil
    /// NUT_SEATED comes on during the insert.
    var nutSeated = true
    /// The fixture saw the nut seated when asked to clamp.
    var clampSeated = true
    /// The fastening's result: nil for in window, else the fixture's fault code.
    var fastenFault: Workcell_Plc_V1_PlcFaultCode? = nil

    var description: String { name }
  }

  /// A gRPC status code plc-bridge answers with (Sendable and printable for the table).
  enum RPCErrorCode: Sendable {
    case failedPrecondition, unavailable
  }

  let script: Script
  private let calls = Mutex<[String: Int]>([:])
  private let state: Mutex<(mode: Workcell_Control_V1_ControlMode, estopOK: Bool, gripperWidthM: Double)>

  init(_ script: Script) {
    self.script = script
    state = Mutex((.holding, true, 0.045))
  }

  // MARK: What was asked

  func called(_ method: String) { calls.withLock { $0[method, default: 0] += 1 } }
  func count(_ method: String) -> Int { calls.withLock { $0[method] ?? 0 } }

  // MARK: Shared state

  var mode: Workcell_Control_V1_ControlMode {
    get { state.withLock { $0.mode } }
    set { state.withLock { $0.mode = newValue } }
  }

  /// The working gripper's width: the last chunk's last target (control executes it at once).
  var gripperWidthM: Double {
    get { state.withLock { $0.gripperWidthM } }
    set { state.withLock { $0.gripperWidthM = newValue } }
  }

  /// The left side's safety chain as plc-bridge reports it.
  var estopOK: Bool {
    get { state.withLock { $0.estopOK } }
    set { state.withLock { $0.estopOK = newValue } }
  }

  // MARK: The robot's geometry

  /// The working arm's joints as the fake control reports them.
  static let armJointsRad = [0.1, -0.4, 0.0, -1.1, 0.0, 0.7, 0.0]
  /// Where the fingers are (robot frame; the fake state has no left arm, so no torso sway).
  static var tcpInRobotM: SIMD3<Double> { CellLayout.defaults.tcpInRobotM(armJointsRad: armJointsRad) }
  static var pinSeatInRobotM: SIMD3<Double> { CellLayout.defaults.pinSeatInRobotM }

  /// Control's state of the left robot now.
  func robotState() -> Workcell_Control_V1_RobotState {
    let mode = self.mode
    let estopOK = self.estopOK
    return .with {
      $0.measuredAt = .init(date: Date())
      $0.joints = Self.armJointsRad.enumerated().map { index, position in
        .with {
          $0.name = "right_arm_joint_\(index + 1)"
          $0.positionRad = position
        }
      }
      $0.grippers = [
        .with {
          $0.name = "right_gripper"
          $0.widthM = gripperWidthM
        }
      ]
      $0.mode = mode
      $0.safety = .with { $0.estopOk = estopOK }
    }
  }

  /// Perception's answer for `phase`, as the script says the cycle is going.
  func estimate(_ phase: Workcell_Common_V1_CycleStep) -> Workcell_Perception_V1_StateEstimate {
    var nutM: SIMD3<Double>?
    var holding = false
    switch phase {
    case .perceivePart: nutM = script.nutVisible ? Self.tcpInRobotM : nil
    case .reach: nutM = Self.tcpInRobotM + (script.nutUnderFingers ? .zero : SIMD3(0.2, 0, 0))
    case .grasp, .graspCheck:
      nutM = Self.tcpInRobotM
      holding = true
    case .carry, .align, .insert:
      nutM = Self.pinSeatInRobotM
      holding = true
    case .liftOff:
      nutM = Self.pinSeatInRobotM + SIMD3(0, 0, 0.03)
      holding = true
    case .releaseRetreat: nutM = Self.pinSeatInRobotM
    default: nutM = nil
    }
    let slipping = script.slipping
    return .with {
      $0.phase = phase
      if let nutM {
        $0.nutPose = .with {
          $0.frame = "robot"
          $0.positionM = .with {
            $0.x = nutM.x
            $0.y = nutM.y
            $0.z = nutM.z
          }
          $0.orientation = .with { $0.w = 1 }
        }
      }
      $0.splinePhaseDeg = 0
      $0.grasp = .with {
        $0.holding = holding
        $0.seated = holding && !slipping
        $0.slipping = holding && slipping
      }
      $0.confidences = [
        .with {
          $0.modality = .vision
          $0.confidence = nutM == nil ? 0 : 0.9
        },
        .with {
          $0.modality = .tactile
          $0.confidence = 0.9
        },
      ]
      $0.trustedModality = .vision
    }
  }
}
