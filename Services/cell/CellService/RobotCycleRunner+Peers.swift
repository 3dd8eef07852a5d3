import CycleSequencing
import Foundation
import GRPCCore
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime
import YieldKPI

/// The runner's calls to its peers, each with the deadline the step leaves it and the answer a
/// step can use when the call fails.
extension RobotCycleRunner {
  /// The policy's active model, for records of cycles that never asked it for a chunk (they
  /// failed before the first motion); "none" if the policy cannot say.
  func activeModel() async -> String {
    let answer = try? await peers.policy.listModels(.init(), options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
    return answer.map { $0.activeVersion.isEmpty ? "none" : $0.activeVersion } ?? "none"
  }

  /// A safety stop or a stop request, if one is pending.
  func interruption() -> StepEvent? {
    if !safety.estopOK(robot.side) { return .safetyStop }
    if slot.snapshot.abortRequested { return .stopRequested }
    return nil
  }

  /// Perception's estimate for `phase`; nil when it could not give one.
  func estimate(
    _ phase: Workcell_Common_V1_CycleStep, capturedAfter: Date?, until deadline: Date
  ) async -> Workcell_Perception_V1_StateEstimate? {
    await estimateResponse(phase, capturedAfter: capturedAfter, until: deadline, withImages: false).response?.estimate
  }

  /// Perception's answer for `phase`, with the cameras' newest images when `withImages`; nil when
  /// it could not give one, with whether that was because perception did not answer at all.
  func estimateResponse(
    _ phase: Workcell_Common_V1_CycleStep, capturedAfter: Date?, until deadline: Date, withImages: Bool
  ) async -> (response: Workcell_Perception_V1_EstimateResponse?, outage: Bool) {
    do {
      return (
        try await peers.perception.estimate(
          .with {
            $0.robot = equipment
            $0.phase = phase
            if let capturedAfter { $0.capturedAfter = Google_Protobuf_Timestamp(date: capturedAfter) }
            $0.includeCameraImages = withImages
          }, options: options(until: deadline, cap: 2)), false
      )
    } catch {
      logger.debug("estimate failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
      return (nil, (error as? RPCError)?.code == .unavailable)
    }
  }

  /// Perception's estimate for `step`, or whether perception did not answer at all (an outage).
  func look(
    _ step: CycleStep, capturedAfter: Date?, until deadline: Date
  ) async -> (estimate: Workcell_Perception_V1_StateEstimate?, outage: Bool) {
    let (response, outage) = await estimateResponse(
      Workcell_Common_V1_CycleStep(step), capturedAfter: capturedAfter, until: deadline, withImages: false)
    return (response?.estimate, outage)
  }

  /// The fixture's NUT_SEATED input, through plc-bridge.
  func nutSeated(until deadline: Date) async -> Bool {
    guard
      let io = try? await peers.plcBridge.getIO(.with { $0.side = robot.side }, options: options(until: deadline, cap: 1))
    else { return false }
    return io.devices.first { $0.device == .fixture }?.points.first { $0.name == "NUT_SEATED" }?.value == 1
  }

  /// An error that means the service did not answer at all (down, unreachable, too slow), as
  /// opposed to answering with a refusal.
  static func isOutage(_ error: any Error) -> Bool {
    guard let error = error as? RPCError else { return true }
    return [.unavailable, .deadlineExceeded, .cancelled, .unknown, .resourceExhausted].contains(error.code)
  }

  /// A PLC call's error as a step event: a missed deadline is the step's timeout; an e-stop a
  /// safety stop; anything else a PLC fault.
  func plcEvent(_ error: any Error) -> StepEvent {
    if !safety.estopOK(robot.side) { return .safetyStop }
    if let rpc = error as? RPCError, rpc.code == .deadlineExceeded { return .deadlinePassed }
    logger.warning("PLC handshake failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
    return .failed(.plcFault)
  }

  /// Call options whose wall-clock timeout covers the time left to `deadline` on the cell's
  /// clock (at least 50 ms, at most `cap` seconds when given, plus 1 s of slack for a slow host).
  func options(until deadline: Date, cap: Double? = nil) -> CallOptions {
    var seconds = max(deadline.timeIntervalSince(clock.now()), 0.05) + 1
    if let cap { seconds = min(seconds, cap) }
    return .timeout(seconds: clock.wallTimeout(seconds: seconds))
  }
}
