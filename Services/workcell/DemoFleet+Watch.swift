import Foundation
import GRPCCore
import SimulatedTime
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

extension DemoFleet {
  /// Watches the cell until the shift is over (its hours of simulated time, or every robot's
  /// cycles): presses `--estop-at`'s e-stop, restarts robots halted by a fault once their chain
  /// is closed, prints progress, and gives up on a world that stopped moving. Returns how many
  /// times a robot was restarted.
  func watch(
    sim: SimClient, cell: CellClient, shiftClock: ShiftClock, wallStart: ContinuousClock.Instant, shiftS: Double
  ) async throws -> Int {
    var lastLine = ContinuousClock.now - .seconds(60)
    var stalledSince: ContinuousClock.Instant?
    var lastSim = 0.0
    var estopPressed = false
    var recoveries = 0
    while true {
      try await pause(seconds: 0.5)
      let simS = shiftClock.simSeconds
      let status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
      let done = status.robots.reduce(0) { $0 + $1.cyclesDone }
      let ok = status.robots.reduce(0) { $0 + $1.cyclesOk }
      let wallS = (ContinuousClock.now - wallStart).seconds
      let speed = wallS > 0 ? simS / wallS : 0
      let byCycles = settings.cyclesPerRobot > 0
      if let at = settings.estopAtS, !estopPressed, simS >= at {
        estopPressed = true
        _ = try await sim.injectFault(
          .with {
            $0.kind = .estop
            $0.side = .left
            $0.duration = .init(rounding: 2)
          }, options: .timeout(seconds: 10, waitForReady: true))
        progress(String(format: "e-stop pressed on the left side at sim %.1f s (released after 2 s)", simS))
      }
      // A robot halted by an e-stop or a latched fault: once the chain is closed again, the
      // operator's reset and start (Start resets the PLC fault, resumes control, homes the arm).
      for robot in status.robots where robot.runState == .faulted && robot.safety.estopOk {
        let left = byCycles ? settings.cyclesPerRobot - UInt32(clamping: min(robot.cyclesDone, UInt64(settings.cyclesPerRobot))) : 0
        guard !byCycles || left > 0 else { continue }
        recoveries += 1
        guard recoveries <= 50 else { throw DemoError("more than 50 robot faults in one shift; see \(settings.directory.path)/fleet.log") }
        do {
          _ = try await cell.start(
            .with {
              $0.robots = [robot.robot]
              $0.cycleLimit = left
            }, options: .timeout(seconds: 60, waitForReady: true))
          progress("robot \(robot.robot) reset and restarted after: \(robot.safety.reason)")
        } catch {
          progress("robot \(robot.robot) could not restart yet: \(error)")
        }
      }
      let finished =
        byCycles
        ? status.robots.allSatisfy {
          $0.runState == .idle || ($0.runState == .faulted && $0.cyclesDone >= UInt64(settings.cyclesPerRobot))
        } : simS >= shiftS
      if ContinuousClock.now - lastLine >= .seconds(2) || finished {
        lastLine = .now
        let remainingS = byCycles ? nil : max(0, shiftS - simS) / max(speed, 1e-6)
        progress(
          String(
            format: "sim %@  cycles %llu  yield so far %@  speed-up %.1f×  wall %.0f s%@",
            Self.clockText(simS), done, done == 0 ? "–" : String(format: "%.1f %%", Double(ok) / Double(done) * 100), speed, wallS,
            remainingS.map { String(format: "  ETA %.0f s", $0) } ?? "") + (page.url.map { "  page \($0)" } ?? ""))
      }
      if finished { break }
      // Every wait has a deadline: a world that stops moving for a minute ends the demo.
      if simS > lastSim {
        lastSim = simS
        stalledSince = nil
      } else if let since = stalledSince {
        if ContinuousClock.now - since > .seconds(60) {
          throw DemoError("the simulation clock has not moved for 60 s; see \(settings.directory.path)/fleet.log")
        }
      } else {
        stalledSince = .now
      }
    }
    return recoveries
  }
}
