import Foundation
import SimulatedTime
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization
import WorkcellProto
import WorkcellRuntime

/// The sequencer's clock: step deadlines, cycle timestamps and the chunks' observation times all
/// read it. `wall` is the host's clock; `sim` follows cell-sim's published simulation clock
/// (`workcell.sim.v1.SimControl/WatchClock`), so a simulated shift runs as fast as the world steps
/// and every record carries simulated time, the same time the sensors and the joint bus stamp.
public enum CellClockSource: String, Sendable, CaseIterable {
  case wall
  case sim
}

/// Why the clock could not answer.
struct CellClockError: Error, CustomStringConvertible {
  var description: String
}

/// Reads and waits on the cell's time.
final class CellClock: Sendable {
  let source: CellClockSource
  /// The process's clock: when it is a simulation (the whole fleet in one process on simulated
  /// time, docs/simulation.md) the cell reads and waits on it directly, whatever `source` says.
  let fleet: any WorkcellClock
  /// Latest simulation reading and the wall instant it arrived (sim only).
  private let latest = Mutex<(now: Date, running: Bool, arrived: ContinuousClock.Instant)?>(nil)
  /// How long a sim-clock wait tolerates a clock that does not move before it gives up.
  static let stallLimit = Duration.seconds(10)

  init(source: CellClockSource, fleet: any WorkcellClock = WallClock()) {
    self.source = source
    self.fleet = fleet
  }

  /// Now on the cell's clock. On the sim clock before the first reading: the wall clock.
  func now() -> Date {
    if fleet.isSimulated { return fleet.now() }
    return switch source {
    case .wall: Date()
    case .sim: latest.withLock { $0?.now } ?? Date()
    }
  }

  /// Whether a simulation clock reading has arrived (always true on the wall clock).
  var ready: Bool {
    fleet.isSimulated || source == .wall || latest.withLock { $0?.running ?? false }
  }

  /// Sleeps until the cell's clock reads `date` or later. On the sim clock, throws if the clock
  /// does not advance for `stallLimit` of wall time (cell-sim stopped or unreachable).
  func sleep(until date: Date) async throws {
    if fleet.isSimulated { return try await fleet.sleep(until: date) }
    switch source {
    case .wall:
      let seconds = date.timeIntervalSinceNow
      if seconds > 0 { try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9))) }
    case .sim:
      var lastSeen = now()
      var lastMove = ContinuousClock.now
      while true {
        try Task.checkCancellation()
        let current = now()
        if current >= date { return }
        if current != lastSeen {
          lastSeen = current
          lastMove = .now
        } else if ContinuousClock.now - lastMove > Self.stallLimit {
          throw CellClockError(description: "the simulation clock has not moved for \(Self.stallLimit) (is cell-sim running?)")
        }
        try await Task.sleep(for: .milliseconds(1))
      }
    }
  }

  /// The wall-clock timeout of a call that should take `seconds` on the cell's clock (nil: none,
  /// on the fleet's in-process simulation clock; see `WorkcellClock.wallTimeout`).
  func wallTimeout(seconds: Double) -> Double? { fleet.wallTimeout(seconds: seconds) }

  /// Sleeps `seconds` of the cell's time.
  func sleep(seconds: Double) async throws {
    try await sleep(until: now().addingTimeInterval(seconds))
  }

  /// Follows cell-sim's WatchClock until cancelled, reconnecting after a loss (sim only).
  func follow(_ sim: Workcell_Sim_V1_SimControl.Client<FleetClientTransport>, logger: Logger) async {
    guard source == .sim, !fleet.isSimulated else { return }
    var backoff = Duration.milliseconds(100)
    while !Task.isCancelled {
      do {
        try await sim.watchClock(.with { $0.maxRateHz = 250 }) { response in
          for try await message in response.messages {
            let tick = message.tick
            self.latest.withLock { $0 = (tick.now.date, tick.running, .now) }
          }
        }
      } catch {
        if Task.isCancelled { return }
        logger.warning("simulation clock lost; reconnecting", metadata: ["error": "\(error)"])
      }
      try? await Task.sleep(for: backoff)
      backoff = min(backoff * 2, .seconds(2))
    }
  }
}
