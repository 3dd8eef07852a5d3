import GRPCCore
import SwiftProtobuf
import WholeBodyControl
import WorkcellProto

/// control.proto ↔ WholeBodyControl.
enum ControlProtoMapping {
  /// A policy chunk as the controller takes it, its times still Unix nanoseconds (the loop maps
  /// them onto its clock). Throws INVALID_ARGUMENT naming the field.
  static func chunk(_ proto: Workcell_Policy_V1_ActionChunk) throws -> ActionChunk {
    guard !proto.chunkID.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "The chunk has no chunk_id; every chunk needs a unique id.")
    }
    guard proto.hasObservedAt, let observed = unixNanoseconds(proto.observedAt) else {
      throw RPCError(
        code: .invalidArgument, message: "Chunk \(proto.chunkID) has no valid observed_at (step 0's due time).")
    }
    guard !proto.steps.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "Chunk \(proto.chunkID) has no steps.")
    }
    let lastDue = observed &+ UInt64(proto.steps.count - 1) &* UInt64(proto.stepPeriodMs) &* 1_000_000
    let expires: UInt64
    if proto.hasExpiresAt {
      guard let given = unixNanoseconds(proto.expiresAt) else {
        throw RPCError(code: .invalidArgument, message: "Chunk \(proto.chunkID) has an invalid expires_at.")
      }
      expires = given
    } else {
      expires = lastDue
    }
    let grippers = !proto.gripperNames.isEmpty
    let forcesGiven = proto.steps.contains { !$0.gripForcesN.isEmpty }
    do {
      return try ActionChunk(
        chunkID: proto.chunkID, stepPeriodMs: proto.stepPeriodMs, observedAtNanoseconds: observed,
        expiresAtNanoseconds: expires, jointNames: proto.jointNames,
        jointPositionsRad: proto.steps.map(\.jointPositionsRad), gripperNames: proto.gripperNames,
        gripperWidthsM: grippers ? proto.steps.map(\.gripperWidthsM) : [],
        // No force given: the default grip force of every gripper (the controller's 20 N start).
        gripForcesN: grippers
          ? (forcesGiven
            ? proto.steps.map(\.gripForcesN)
            : proto.steps.map { _ in [Double](repeating: 20, count: proto.gripperNames.count) }) : [])
    } catch {
      throw ControlRPCError(error)
    }
  }

  static func unixNanoseconds(_ timestamp: Google_Protobuf_Timestamp) -> UInt64? {
    guard timestamp.seconds >= 0, (0..<1_000_000_000).contains(timestamp.nanos) else { return nil }
    return UInt64(timestamp.seconds) &* 1_000_000_000 &+ UInt64(timestamp.nanos)
  }

  static func timestamp(unixNanoseconds ns: UInt64) -> Google_Protobuf_Timestamp {
    .with {
      $0.seconds = Int64(ns / 1_000_000_000)
      $0.nanos = Int32(ns % 1_000_000_000)
    }
  }

  static func progress(_ progress: ChunkProgress, measuredAtUnixNanoseconds: UInt64)
    -> Workcell_Control_V1_ExecutionProgress
  {
    .with {
      $0.chunkID = progress.chunkID
      $0.stepIndex = UInt32(clamping: progress.stepIndex)
      // While executing: the step's largest error; at the end: the chunk's.
      $0.trackingErrorRad = progress.done ? progress.maxTrackingErrorRad : progress.stepTrackingErrorRad
      $0.done = progress.done
      $0.reason = progress.reason.map(Self.reason) ?? .unspecified
      $0.detail = progress.detail
      $0.measuredAt = timestamp(unixNanoseconds: measuredAtUnixNanoseconds)
    }
  }

  static func reason(_ reason: ExecutionReason) -> Workcell_Control_V1_ExecutionReason {
    Workcell_Control_V1_ExecutionReason(rawValue: reason.rawValue) ?? .unspecified
  }

  /// GetTrace's answer: the samples in time order with the joint and gripper names.
  static func trace(
    _ samples: [ExecutionTrace.Sample], truncated: Bool, limits: JointLimits
  ) -> Workcell_Control_V1_GetTraceResponse {
    .with {
      $0.jointNames = limits.jointNames
      $0.gripperNames = limits.gripperNames
      $0.periodMs = UInt32(ExecutionTrace.defaultPeriodNanoseconds / 1_000_000)
      $0.truncated = truncated
      let joints = limits.jointNames.count
      let grippers = limits.gripperNames.count
      $0.samples = samples.map { sample in
        .with {
          $0.measuredAt = timestamp(unixNanoseconds: sample.measuredAtUnixNanoseconds)
          $0.positionRad = Array(sample.positionRad.prefix(joints))
          $0.velocityRadPerS = Array(sample.velocityRadPerS.prefix(joints))
          $0.commandedPositionRad = Array(sample.commandedPositionRad.prefix(joints))
          $0.gripperWidthM = Array(sample.gripperWidthM.prefix(grippers))
          $0.commandedGripperWidthM = Array(sample.commandedGripperWidthM.prefix(grippers))
          $0.mode = Workcell_Control_V1_ControlMode(rawValue: sample.mode.rawValue) ?? .unspecified
        }
      }
    }
  }

  static func mode(_ snapshot: RobotSnapshot) -> Workcell_Control_V1_ControlMode {
    snapshot.connected
      ? (Workcell_Control_V1_ControlMode(rawValue: snapshot.mode.rawValue) ?? .unspecified) : .unspecified
  }

  static func stopCategory(_ proto: Workcell_Common_V1_StopCategory) throws -> StopCategory {
    switch proto {
    case .unspecified, .cat1: .category1
    case .cat0: .category0
    case .cat2: .category2
    case .UNRECOGNIZED(let value):
      throw RPCError(code: .invalidArgument, message: "Unknown stop category \(value); use CAT_0, CAT_1 or CAT_2.")
    }
  }

  /// The robot state for WatchState and the unary answers.
  static func state(
    _ snapshot: RobotSnapshot, robot: Workcell_Common_V1_EquipmentRef, limits: JointLimits, safetyInput: Bool
  ) -> Workcell_Control_V1_RobotState {
    .with {
      $0.robot = robot
      if snapshot.connected { $0.measuredAt = timestamp(unixNanoseconds: snapshot.measuredAtUnixNanoseconds) }
      $0.joints = limits.jointNames.indices.map { j in
        .with {
          $0.name = limits.jointNames[j]
          $0.positionRad = snapshot.positionRad[j]
          $0.velocityRadPerS = snapshot.velocityRadPerS[j]
          $0.effortNm = snapshot.torqueNm[j]
        }
      }
      $0.grippers = limits.gripperNames.indices.map { g in
        .with {
          $0.name = limits.gripperNames[g]
          $0.widthM = snapshot.gripperWidthM[g]
          $0.forceN = snapshot.gripperForceN[g]
        }
      }
      $0.comM = .with {
        $0.x = snapshot.comM.x
        $0.y = snapshot.comM.y
        $0.z = snapshot.comM.z
      }
      $0.balanceMarginM = snapshot.balanceMarginM
      $0.mode = mode(snapshot)
      $0.safety = .with {
        // Unknown without a PLC safety input: the contract says false then.
        $0.estopOk = safetyInput && !snapshot.safetyOpen
        $0.interlocksOk = safetyInput && !snapshot.safetyOpen
        $0.activeStop =
          snapshot.activeStop.map { Workcell_Common_V1_StopCategory(rawValue: $0.rawValue) ?? .unspecified }
          ?? .unspecified
        $0.resetRequired = snapshot.mode == .stopped || snapshot.mode == .fault
        $0.reason = snapshot.stopReason
      }
      $0.activeChunkID = snapshot.activeChunkID
    }
  }
}
