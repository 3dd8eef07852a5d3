import Foundation
import GRPCCore
import SimulatedTime
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// The shift the demo drives, in phases: reset the world, wait until the fleet is ready, arm the
/// injected faults, start the cell, watch it until the shift is over (`+Watch`), let it drain and
/// read the report back from yield (`+ReadBack`). Every phase is a participant's call at a
/// simulated instant: their order is the run's, so the records are the same every run.
extension DemoFleet {
  typealias SimClient = Workcell_Sim_V1_SimControl.Client<FleetClientTransport>
  typealias CellClient = Workcell_Cell_V1_Cell.Client<FleetClientTransport>
  typealias YieldClient = Workcell_Yield_V1_Yield.Client<FleetClientTransport>
  typealias PerceptionClient = Workcell_Perception_V1_Perception.Client<FleetClientTransport>

  func shift(sim: SimClient, cell: CellClient, yield: YieldClient, perception: PerceptionClient) async throws -> Result {
    let reset = try await resetWorld(sim)
    let from = reset.tick.now.date
    let wallStart = ContinuousClock.now
    let shiftS = settings.hours * 3600
    let shiftClock = ShiftClock(clock: clock, reset: reset.tick)
    let clockTask = Task {
      guard !clock.isSimulated else { return }
      try await sim.watchClock(.with { $0.maxRateHz = 10 }) { response in
        for try await message in response.messages { shiftClock.update(message.tick) }
      }
    }
    defer { clockTask.cancel() }
    try await waitForParticipants()
    try await waitUntilReady(cell: cell, perception: perception)
    try await armInjections(sim, shiftS: shiftS)
    try await startCell(cell)
    let recoveries = try await watch(sim: sim, cell: cell, shiftClock: shiftClock, wallStart: wallStart, shiftS: shiftS)
    let status = try await drain(cell)
    let cellCycles = status.robots.reduce(0) { $0 + $1.cyclesDone }
    let simS = shiftClock.simSeconds
    let wallS = (ContinuousClock.now - wallStart).seconds
    let to = shiftClock.now.addingTimeInterval(1)
    let report = try await readBack(yield, from: from, to: to)
    return Result(
      settings: settings, whole: report.whole, perRobot: report.perRobot, pareto: report.pareto, simSeconds: simS,
      wallSeconds: wallS, from: from, to: to, modelVersion: report.modelVersion.isEmpty ? "–" : report.modelVersion,
      cellCycles: cellCycles, recoveries: recoveries, recordsSHA256: CycleRecordsDigest.sha256(report.records))
  }

  /// Resets cell-sim's world to the shift's seed, robots and failure rates, starting now.
  func resetWorld(_ sim: SimClient) async throws -> Workcell_Sim_V1_ResetResponse {
    try await sim.reset(
      .with {
        $0.seed = settings.seed
        $0.config = .with {
          $0.robotCount = UInt32(settings.robots)
          $0.lockStep = !settings.realtime
          $0.targetRealTimeFactor = settings.realtime ? 1 : settings.maxSpeed
          $0.startTime = Google_Protobuf_Timestamp(date: clock.now())
          $0.failureRates = settings.failureRates.map { kind, rate in
            .with {
              $0.kind = kind
              $0.probability = rate
            }
          }
        }
      }, options: .timeout(seconds: 30, waitForReady: true))
  }

  /// Waits until perception sees the nut and plc-bridge reports every side's chain closed.
  func waitUntilReady(cell: CellClient, perception: PerceptionClient) async throws {
    // Let the world run a simulated second before the checks below: every stream has delivered
    // by then, so what the checks see does not depend on how each stream's (wall-clock)
    // reconnects went before the Reset.
    if clock.isSimulated { try await pause(seconds: 1) }
    // Perception follows cell-sim's sensor streams once the world runs (they reconnect with a
    // backoff after Reset): the shift starts once it can see the nut.
    let seeing = ContinuousClock.now + .seconds(60)
    while true {
      let answer = try? await perception.estimate(
        .with {
          $0.robot = .with { $0.robot = "left" }
          $0.phase = .perceivePart
        }, options: .timeout(seconds: 2, waitForReady: true))
      if answer != nil { break }
      guard ContinuousClock.now < seeing else {
        throw DemoError("perception gave no estimate within 60 s of Reset; see \(settings.directory.path)/fleet.log")
      }
      try await pause(seconds: 0.2)
    }
    // plc-bridge reports the safety chain once it reached the simulated PLCs; the cell starts after.
    let ready = ContinuousClock.now + .seconds(60)
    while true {
      let status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
      if status.robots.allSatisfy({ $0.safety.estopOk }) { break }
      guard ContinuousClock.now < ready else {
        throw DemoError("the safety chain did not close within 60 s (plc-bridge → simulated PLCs); see \(settings.directory.path)/fleet.log")
      }
      try await pause(seconds: 0.2)
    }
  }

  /// Arms `--inject`'s faults on the left side.
  func armInjections(_ sim: SimClient, shiftS: Double) async throws {
    for injection in settings.injections {
      let sensorFault = [.cameraGlare, .cameraOcclusion, .unexpectedTactileContact].contains(injection.kind)
      _ = try await sim.injectFault(
        .with {
          $0.kind = injection.kind
          $0.side = .left
          $0.robot = .with { $0.robot = "left" }
          $0.magnitude = injection.magnitude
          // A sensor fault stays armed for the whole shift (every frame); the others strike once.
          if sensorFault { $0.duration = .init(rounding: shiftS + 3600) }
        }, options: .timeout(seconds: 10, waitForReady: true))
      progress("armed \(injection.kind) on the left side\(sensorFault ? " for the whole shift" : "")")
    }
  }

  /// Starts every robot of the cell for the shift.
  func startCell(_ cell: CellClient) async throws {
    _ = try await cell.start(.with { $0.cycleLimit = settings.cyclesPerRobot }, options: .timeout(seconds: 30, waitForReady: true))
    progress("shift started: \(settings.cyclesPerRobot > 0 ? "\(settings.cyclesPerRobot) cycles per robot" : String(format: "%.2f simulated hours", settings.hours))")

  }
}
