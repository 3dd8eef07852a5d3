import Foundation
import NutPerception
import SwiftProtobuf
import WorkcellProto

/// Conversions between NutPerception's values and `workcell.perception.v1` / `workcell.sim.v1`.
enum PerceptionProtoMapping {
  /// A pinhole camera from a frame's calibration: its optical frame placed by `camera_pose`
  /// (output frame = the pose's frame, "world" when unnamed).
  static func cameraModel(_ calibration: Workcell_Sim_V1_CameraCalibration) -> CameraModel {
    let pose = calibration.cameraPose
    let q = pose.orientation
    // An unset quaternion (all 0) means no rotation.
    let (w, x, y, z) = q.w == 0 && q.x == 0 && q.y == 0 && q.z == 0 ? (1.0, 0.0, 0.0, 0.0) : (q.w, q.x, q.y, q.z)
    let transform = RigidTransform(
      xAxis: [1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)],
      yAxis: [2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)],
      zAxis: [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)],
      translationM: [pose.positionM.x, pose.positionM.y, pose.positionM.z])
    return CameraModel(
      fxPx: calibration.fxPx, fyPx: calibration.fyPx, cxPx: calibration.cxPx, cyPx: calibration.cyPx,
      opticalToFrame: transform, frameName: pose.frame.isEmpty ? "world" : pose.frame)
  }

  /// A stored camera frame as returned for recording.
  static func cameraImage(_ frame: SensorFrames.CameraFrame, role: String) -> Workcell_Perception_V1_CameraImage {
    .with {
      $0.camera = frame.camera
      $0.role = role
      $0.widthPx = UInt32(frame.image.widthPx)
      $0.heightPx = UInt32(frame.image.heightPx)
      $0.gray8 = Data(frame.image.pixels)
      $0.capturedAt = Google_Protobuf_Timestamp(date: frame.capturedAt)
    }
  }

  static func modality(_ m: Modality) -> Workcell_Perception_V1_Modality {
    switch m {
    case .unspecified: .unspecified
    case .vision: .vision
    case .tactile: .tactile
    case .jointTorque: .jointTorque
    }
  }

  static func reason(_ r: DegradationReason) -> Workcell_Perception_V1_DegradationReason {
    Workcell_Perception_V1_DegradationReason(rawValue: r.rawValue) ?? .unspecified
  }

  static func confidence(_ c: ModalityConfidence) -> Workcell_Perception_V1_ModalityConfidence {
    .with {
      $0.modality = modality(c.modality)
      $0.confidence = c.confidence
      $0.reason = reason(c.reason)
      $0.detail = c.detail
    }
  }

  /// A pose from a position and a yaw about the frame's z axis.
  static func pose(positionM p: SIMD3<Double>, yawDeg: Double, frame: String) -> Workcell_Common_V1_Pose {
    let half = yawDeg * .pi / 360
    return .with {
      $0.positionM = .with {
        $0.x = p.x
        $0.y = p.y
        $0.z = p.z
      }
      $0.orientation = .with {
        $0.w = cos(half)
        $0.z = sin(half)
      }
      $0.frame = frame
    }
  }

  static func grasp(_ g: GraspState) -> Workcell_Perception_V1_GraspState {
    .with {
      $0.holding = g.holding
      $0.seated = g.seated
      $0.slipping = g.slipping
      $0.contactCentroidXMm = g.contactCentroidXMm
      $0.contactCentroidYMm = g.contactCentroidYMm
      $0.normalForceN = g.normalForceN
    }
  }

  /// The wire form of a fused estimate.
  static func estimate(
    _ s: StateEstimate, robot: Workcell_Common_V1_EquipmentRef, phase: Workcell_Common_V1_CycleStep,
    capturedAt: Date?
  ) -> Workcell_Perception_V1_StateEstimate {
    .with {
      $0.robot = robot
      if let capturedAt { $0.capturedAt = Google_Protobuf_Timestamp(date: capturedAt) }
      $0.phase = phase
      if let pose = s.nutPose {
        $0.nutPose = Self.pose(positionM: pose.positionM, yawDeg: pose.yawDeg, frame: pose.frameName)
      }
      $0.splinePhaseDeg = s.splinePhaseDeg ?? 0
      $0.grasp = grasp(s.grasp)
      if let wrench = s.contactWrench {
        $0.contactWrench = .with {
          $0.forceN = .with {
            $0.x = wrench.forceN.x
            $0.y = wrench.forceN.y
            $0.z = wrench.forceN.z
          }
          $0.torqueNm = .with {
            $0.x = wrench.torqueNm.x
            $0.y = wrench.torqueNm.y
            $0.z = wrench.torqueNm.z
          }
        }
      }
      $0.confidences = s.confidences.map(confidence)
      $0.trustedModality = modality(s.trustedModality)
    }
  }

  /// `--metrics` label of a trusted modality.
  static func label(_ m: Modality) -> String {
    switch m {
    case .unspecified: "none"
    case .vision: "vision"
    case .tactile: "tactile"
    case .jointTorque: "joint_torque"
    }
  }

  /// Metric label of a cycle step, e.g. `perceive_part`.
  static func label(_ step: Workcell_Common_V1_CycleStep) -> String {
    switch step {
    case .unspecified: "unspecified"
    case .requestPart: "request_part"
    case .perceivePart: "perceive_part"
    case .reach: "reach"
    case .grasp: "grasp"
    case .graspCheck: "grasp_check"
    case .carry: "carry"
    case .align: "align"
    case .insert: "insert"
    case .releaseRetreat: "release_retreat"
    case .fasten: "fasten"
    case .report: "report"
    case .returnToNest: "return_to_nest"
    case .liftOff: "lift_off"
    case .UNRECOGNIZED(let n): "unrecognized_\(n)"
    }
  }
}
