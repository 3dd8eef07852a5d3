import Foundation
import SimulatedTime
import Synchronization
import WorkcellProto

/// The shift's time as the demo reads it: the fleet's simulated clock, or (on `--realtime`)
/// cell-sim's published clock.
final class ShiftClock: Sendable {
  private let clock: any WorkcellClock
  private let start: Date
  private let tick: Mutex<Workcell_Sim_V1_SimClockTick>

  init(clock: any WorkcellClock, reset: Workcell_Sim_V1_SimClockTick) {
    self.clock = clock
    self.start = reset.now.date
    self.tick = Mutex(reset)
  }

  func update(_ tick: Workcell_Sim_V1_SimClockTick) { self.tick.withLock { $0 = tick } }

  /// Simulated seconds since the Reset.
  var simSeconds: Double {
    clock.isSimulated ? clock.now().timeIntervalSince(start) : tick.withLock { $0 }.simTime.timeInterval
  }

  /// Now on the shift's clock.
  var now: Date { clock.isSimulated ? clock.now() : tick.withLock { $0 }.now.date }
}
