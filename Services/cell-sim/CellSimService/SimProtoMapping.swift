import CellWorld
import Foundation
import GRPCCore
import SwiftProtobuf
import WorkcellProto

/// Conversions between the world's types and `workcell.sim.v1`.
enum SimProtoMapping {
  /// Robot index of an equipment reference (its place in the robot description's layout: "left"
  /// → 0, "right" → 1); nil when empty.
  static func robotIndex(_ ref: Workcell_Common_V1_EquipmentRef, robotCount: Int) throws -> Int? {
    guard !ref.robot.isEmpty else { return nil }
    if let index = RobotLayout.robot.layout.robotIDs.firstIndex(of: ref.robot), index < robotCount { return index }
    throw RPCError(
      code: .notFound,
      message: "Robot '\(ref.robot)' is not in the simulated cell; it has \(robotCount == 2 ? "left and right" : "left").")
  }

  /// Robot `index`'s id in the robot description's layout.
  static func robotName(_ index: Int) -> String { RobotLayout.robot.layout.robotIDs[index] }

  static func ref(_ index: Int) -> Workcell_Common_V1_EquipmentRef { .with { $0.robot = robotName(index) } }

  static func vector(_ v: Vector3) -> Workcell_Common_V1_Vector3 {
    .with {
      $0.x = v.x
      $0.y = v.y
      $0.z = v.z
    }
  }

  static func quaternion(_ q: Quaternion) -> Workcell_Common_V1_Quaternion {
    .with {
      $0.w = q.w
      $0.x = q.x
      $0.y = q.y
      $0.z = q.z
    }
  }

  static func nutState(_ state: NutState) -> Workcell_Sim_V1_NutState {
    Workcell_Sim_V1_NutState(rawValue: state.rawValue) ?? .unspecified
  }

  static func truth(_ truth: RobotTruth, robot: Int) -> Workcell_Sim_V1_RobotTruth {
    .with {
      $0.robot = ref(robot)
      $0.nutState = nutState(truth.nutState)
      $0.nutPose = .with {
        $0.positionM = vector(truth.nutPositionM)
        $0.orientation = quaternion(Rotation3.aboutZ(truth.nutYawRad).quaternion)
        $0.frame = "world"
      }
      $0.splinePhaseErrorDeg = truth.splinePhaseErrorDeg
      $0.slipping = truth.slipping
      $0.contactWrench = .with {
        $0.forceN = vector(truth.contactForceN)
        $0.frame = "world"
      }
      $0.comM = vector(truth.comM)
      $0.balanceMarginM = truth.balanceMarginM
      $0.fallen = truth.fallen
    }
  }

  static func duration(seconds: Double) -> Google_Protobuf_Duration { Google_Protobuf_Duration(rounding: seconds) }

  static func timestamp(_ run: SimWorldHost.Run, step: UInt64) -> Google_Protobuf_Timestamp {
    Google_Protobuf_Timestamp(date: run.startTime.addingTimeInterval(Double(step) * CellWorld.stepS))
  }

  static func calibration(_ view: CameraView) -> Workcell_Sim_V1_CameraCalibration {
    .with {
      $0.fxPx = view.fxPx
      $0.fyPx = view.fyPx
      $0.cxPx = view.cxPx
      $0.cyPx = view.cyPx
      $0.cameraPose = .with {
        $0.positionM = vector(view.positionM)
        $0.orientation = quaternion(view.rotation.quaternion)
        $0.frame = "world"
      }
    }
  }

  static func rates(_ config: CellWorldConfig) -> (Workcell_Sim_V1_SensorRates, [Workcell_Sim_V1_FailureRate]) {
    let sensors = Workcell_Sim_V1_SensorRates.with {
      $0.cameraHz = config.cameraHz
      $0.tactileHz = config.tactileHz
      $0.imuHz = config.imuHz
    }
    let failures = WorldFault.allCases.map { kind in
      Workcell_Sim_V1_FailureRate.with {
        $0.kind = Workcell_Sim_V1_FaultKind(rawValue: kind.rawValue) ?? .unspecified
        $0.probability = config.rate(kind)
      }
    }
    return (sensors, failures)
  }

  /// A failure rate as the world's, or an error a person can act on.
  static func worldRate(_ rate: Workcell_Sim_V1_FailureRate) throws -> (WorldFault, Double) {
    guard let kind = WorldFault(rawValue: rate.kind.rawValue) else {
      throw RPCError(
        code: .invalidArgument,
        message: "Failure kind \(rate.kind) has no rate in the world model; the rates are for "
          + WorldFault.allCases.map { "\($0)" }.joined(separator: ", ") + " (PLC faults are injected with InjectFault).")
    }
    guard (0...1).contains(rate.probability) else {
      throw RPCError(code: .invalidArgument, message: "Failure rate of \(rate.kind) must be in [0, 1], got \(rate.probability).")
    }
    return (kind, rate.probability)
  }

  static func sensorRate(_ value: Double, _ name: String) throws -> Double {
    guard value >= 0, value <= 1000 else {
      throw RPCError(code: .invalidArgument, message: "\(name) must be in [0, 1000] Hz, got \(value).")
    }
    return value
  }
}
