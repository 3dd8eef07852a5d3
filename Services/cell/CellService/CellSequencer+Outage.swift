import CycleSequencing
import Foundation
import GRPCCore
import SwiftProtobuf
import WorkcellProto
import YieldKPI

/// An unavailable service is downtime, not bad parts (docs/cell.md, "Outages"): the cycle it cut
/// short is aborted (never nok), then the robot holds — no part requested, no record made — until
/// the service answers again, probing with a bounded backoff; the interval goes to yield as a
/// state event (`fault`, reason `<service>_unavailable`) so availability carries it.
extension CellSequencer {
  /// The service whose outage ended `verdict`'s cycle, if one did.
  static func outageService(_ verdict: CycleVerdict) -> String? {
    guard verdict.outcome == .aborted else { return nil }
    switch verdict.failureCode {
    case .policyTimeout: return "policy"
    case .visionLost: return "perception"
    default: return nil
    }
  }

  /// Probe delays on the cell's clock: 0.5, 1, 2, 4, 8, then every 10 s.
  static func outageBackoffS(attempt: Int) -> Double { min(10, 0.5 * Double(1 << min(attempt, 5))) }

  /// Holds `robot` until `service` answers (or the robot is no longer asked to run), then reports
  /// the interval to yield. Returns the seconds held.
  @discardableResult
  func holdUntilAvailable(_ service: String, robot: CellConfig.Robot, slot: RobotSlot) async -> Double {
    let started = clock.now()
    slot.update { $0.waitingFor = "\(service) unavailable since \(started.ISO8601Format()): holding, no new part requested" }
    metrics.outage(service: service, robot: robot.id, down: true)
    logger.warning(
      "service unavailable: robot holds until it answers", metadata: ["robot": "\(robot.id)", "service": "\(service)"])
    var attempt = 0
    while !Task.isCancelled, slot.snapshot.runState == .running {
      if await probe(service, robot: robot.id) { break }
      try? await clock.sleep(seconds: Self.outageBackoffS(attempt: attempt))
      attempt += 1
    }
    let ended = clock.now()
    slot.update { $0.waitingFor = nil }
    metrics.outage(service: service, robot: robot.id, down: false)
    logger.notice(
      "service back: robot resumes",
      metadata: ["robot": "\(robot.id)", "service": "\(service)", "held_s": "\(ended.timeIntervalSince(started))"])
    await reportDowntime(robot: robot.id, reason: "\(service)_unavailable", from: started, to: ended)
    return ended.timeIntervalSince(started)
  }

  /// Whether `service` can serve again (one of `outageService`'s): perception when an Estimate
  /// for the robot is not UNAVAILABLE (it answers, and has its sensor frames again), the policy
  /// when `grpc.health.v1` says serving (1 s each).
  private func probe(_ service: String, robot: String) async -> Bool {
    if service == "perception" {
      do {
        _ = try await peers.perception.estimate(
          .with {
            $0.robot = Self.equipment(config, robot)
            $0.phase = .perceivePart
          }, options: .timeout(seconds: clock.wallTimeout(seconds: 1)))
        return true
      } catch {
        return !RobotCycleRunner.isOutage(error)
      }
    }
    let answer = try? await peers.policyHealth.check(
      .with { $0.service = "" }, options: .timeout(seconds: clock.wallTimeout(seconds: 1)))
    return answer?.status == .serving
  }

  /// One state event for the held interval (a few tries; yield keeps it idempotent by event id).
  private func reportDowntime(robot: String, reason: String, from: Date, to: Date) async {
    let event = Workcell_Common_V1_StateEvent.with {
      $0.eventID = UUID().uuidString.lowercased()
      $0.cell = config.cell
      $0.robot = robot
      $0.state = .fault
      $0.reason = reason
      $0.startedAt = Google_Protobuf_Timestamp(date: from)
      $0.endedAt = Google_Protobuf_Timestamp(date: max(to, from.addingTimeInterval(0.001)))
    }
    for attempt in 0..<5 {
      do {
        _ = try await peers.yield.reportStateEvents(
          .with { $0.events = [event] }, options: .timeout(seconds: clock.wallTimeout(seconds: 5)))
        return
      } catch {
        logger.warning(
          "downtime not reported to yield yet", metadata: ["attempt": "\(attempt + 1)", "error": "\(error)"])
        try? await clock.sleep(seconds: 1)
      }
    }
  }
}
