import CellWorld
import Foundation
import JointBus
import SimulatedPLC
import SwiftProtobuf
import SimulatedTime
import Synchronization
import WorkcellProto

/// The world cell-sim runs, shared between the stepping thread and the gRPC handlers. Every
/// access goes through one lock; the stepping thread holds it for a batch of a few steps.
final class SimWorldHost: Sendable {
  /// What a Reset configures, besides the world itself.
  struct Run: Sendable {
    var world: CellWorld
    var seed: UInt64
    /// Simulated seconds per wall second to aim for; 0 = as fast as possible.
    var targetRealTimeFactor: Double
    /// Each step waits for every connected controller's command (or the lock-step timeout).
    var lockStep: Bool
    /// Wall-clock time of sim time 0, as the simulated clock reports it.
    var startTime: Date
    /// Bumped at each Reset so the stepping thread re-anchors its pacing.
    var generation: UInt64
    /// Simulated seconds per wall second over the last wall second.
    var measuredRealTimeFactor = 0.0
    /// Feeder "part present" and fixture "busy" as last seen, per robot (edges drive the world).
    var partPresent = [false, false]
    var fastening = [false, false]
    /// The fleet clock's elapsed time at this run's step 0, microseconds (simulated clock only).
    var clockOffsetUs: Int64 = 0
  }

  let plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint]
  /// The fleet's simulated clock when the whole fleet runs on simulated time in this process:
  /// the stepping thread owns it (docs/simulation.md, "Simulated time"); nil on the wall clock.
  let clock: SimulationClock?
  /// Controllers in this process that the stepping thread ticks directly (simulated clock only).
  let jointBusHub: JointBusHub?
  private let state = Mutex<Run?>(nil)

  init(plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint], clock: SimulationClock? = nil, jointBusHub: JointBusHub? = nil) {
    self.plcs = plcs
    self.clock = clock
    self.jointBusHub = clock == nil ? nil : jointBusHub
  }

  /// Runs `body` on the current run (nil before the first Reset).
  func withRun<Result>(_ body: (inout Run?) throws -> Result) rethrows -> Result {
    try state.withLock { try body(&$0) }
  }

  /// Replaces the world (Reset).
  func reset(seed: UInt64, config: CellWorldConfig, targetRealTimeFactor: Double, lockStep: Bool, startTime: Date) -> Run {
    clock?.restart(at: startTime)
    return state.withLock { run in
      let generation = (run?.generation ?? 0) + 1
      run = Run(
        world: CellWorld(seed: seed, config: config), seed: seed, targetRealTimeFactor: targetRealTimeFactor,
        lockStep: lockStep, startTime: startTime, generation: generation, clockOffsetUs: clock?.elapsedMicroseconds ?? 0)
      return run!
    }
  }

  /// The calendar time of the run's step `step`.
  static func date(_ run: Run, step: UInt64) -> Date {
    run.startTime.addingTimeInterval(Double(step) * CellWorld.stepS)
  }

  /// The clock as `workcell.sim.v1` publishes it.
  static func tick(_ run: Run?) -> Workcell_Sim_V1_SimClockTick {
    guard let run else { return .with { $0.running = false } }
    let simS = run.world.simTimeS
    return .with {
      $0.now = Google_Protobuf_Timestamp(date: run.startTime.addingTimeInterval(simS))
      $0.simTime = Google_Protobuf_Duration(rounding: simS)
      $0.step = run.world.stepIndex
      $0.realTimeFactor = run.measuredRealTimeFactor
      $0.running = true
    }
  }

  /// Links the world and the simulated PLCs (called every few steps by the stepping thread):
  /// a rising "part present" puts a nut at the pick position; NUT_SEATED follows the nut's true
  /// state (the proximity sensor sees a nut down on the pin, held or released); a starting fastening decides from the nut whether it cross-threads.
  static func linkPLCs(_ run: inout Run, plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint]) {
    for robot in 0..<run.world.robotCount {
      guard let plc = plcs[robot == 0 ? .left : .right] else { continue }
      plc.update { feeder, fixture, _ in
        if feeder.partPresent, !run.partPresent[robot] { run.world.presentNut(robot: robot) }
        run.partPresent[robot] = feeder.partPresent
        if fixture.fastenBusy, !run.fastening[robot], run.world.fasten(robot: robot) == .crossThreaded {
          fixture.arm(.crossThread)
        }
        run.fastening[robot] = fixture.fastenBusy
        fixture.nutSeated = run.world.nutSeatedOnPin(robot: robot)
      }
    }
  }
}
