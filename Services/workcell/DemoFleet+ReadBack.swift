import Foundation
import GRPCCore
import SimulatedTime
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

extension DemoFleet {
  /// What yield reports of the shift.
  struct YieldReport {
    var whole: Workcell_Yield_V1_YieldRow?
    var perRobot: [Workcell_Yield_V1_YieldRow]
    var pareto: [Workcell_Yield_V1_ParetoRow]
    /// The first record's model version ("–" when none).
    var modelVersion: String
    var records: [Workcell_Common_V1_CycleRecord]
  }

  /// Ends the shift: no new cycles; waits (up to 300 s of wall time) until the cycles in progress
  /// finished and the outbox delivered them. Returns the cell's last status.
  func drain(_ cell: CellClient) async throws -> Workcell_Cell_V1_GetStatusResponse {
    // The shift is over: no new cycles; the ones in progress finish.
    _ = try await cell.stop(.init(), options: .timeout(seconds: 10, waitForReady: true))
    let drainDeadline = ContinuousClock.now + .seconds(300)
    var status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
    var lastDrainLine = ContinuousClock.now
    while true {
      let busy = status.robots.filter { [.stopping, .running, .pausing].contains($0.runState) }
      let backlog = status.robots.reduce(0) { $0 + Int($1.outboxDepth) }
      if busy.isEmpty, backlog == 0 { break }
      let waiting =
        busy.map { "\($0.robot) \($0.runState) in \($0.step)" }.joined(separator: ", ")
        + (backlog > 0 ? "\(busy.isEmpty ? "" : ", ")\(backlog) record(s) in the outbox" : "")
      if ContinuousClock.now >= drainDeadline {
        progress("warning: the shift did not drain in 300 s (\(waiting)); the report below may miss those cycles")
        break
      }
      if ContinuousClock.now - lastDrainLine >= .seconds(10) {
        lastDrainLine = .now
        progress("shift over; waiting for \(waiting)")
      }
      try await pause(seconds: 0.25)
      status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
    }
    return status
  }

  /// The shift's yield, per robot, Pareto and every record, read back from yield.
  func readBack(_ yield: YieldClient, from: Date, to: Date) async throws -> YieldReport {
    let whole = try await yield.queryYield(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).rows.first
    let perRobot = try await yield.queryYield(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
        $0.groupBy = [.robot]
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).rows
    let pareto = try await yield.queryPareto(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).failures
    let model = try await yield.listCycles(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
        $0.limit = 1
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).cycles.first?.modelVersion ?? "–"
    var records: [Workcell_Common_V1_CycleRecord] = []
    var pageToken = ""
    repeat {
      let page = try await yield.listCycles(
        .with {
          $0.from = Google_Protobuf_Timestamp(date: from)
          $0.to = Google_Protobuf_Timestamp(date: to)
          $0.limit = 10_000
          $0.pageToken = pageToken
        }, options: .timeout(seconds: 60, waitForReady: true))
      records += page.cycles
      pageToken = page.nextPageToken
    } while !pageToken.isEmpty
    return YieldReport(whole: whole, perRobot: perRobot, pareto: pareto, modelVersion: model, records: records)
  }
}
