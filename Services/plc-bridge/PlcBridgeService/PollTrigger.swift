import Foundation
import SimulatedTime
import Synchronization

/// Wakes a device's poll loop early: after the bridge writes a coil, the PLC's answer is read
/// at once instead of at the next scheduled poll, which takes up to a poll period off every
/// handshake step.
final class PollTrigger: Sendable {
  private struct State {
    var pending = false
    var waiter: CheckedContinuation<Void, Never>?
    /// A fire holds the clock until the poll it asked for has been served.
    var holding = false
  }

  private let state = Mutex(State())
  private let token: ClockStreamToken
  private let clock: any WorkcellClock

  init(clock: any WorkcellClock = WallClock()) {
    self.clock = clock
    self.token = ClockStreamToken(clock: clock)
  }

  /// Requests a poll now (coalesced with any already requested).
  func fire() {
    let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
      // On a simulated clock the early poll happens at this instant: the fire holds the clock
      // until the poll loop has served it.
      if !state.holding {
        state.holding = true
        token.hold()
      }
      if let waiter = state.waiter {
        state.waiter = nil
        return waiter
      }
      state.pending = true
      return nil
    }
    waiter?.resume()
  }

  /// The poll loop has polled (and published) after a fire: its hold is given back.
  func served() {
    let held = state.withLock { state in
      defer { state.holding = false }
      return state.holding
    }
    if held { token.release() }
  }

  /// Waits until fired or `deadline` (elapsed time on the clock), whichever is first; returns
  /// early when cancelled.
  func wait(until deadline: Duration) async {
    let clock = self.clock
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        let left = deadline - clock.elapsed
        try? await clock.sleep(until: clock.now().addingTimeInterval(Double(left.components.seconds) + Double(left.components.attoseconds) * 1e-18))
      }
      group.addTask { await self.fired() }
      await group.next()
      group.cancelAll()
    }
  }

  private func fired() async {
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let resumeNow: Bool = state.withLock { state in
          if state.pending || Task.isCancelled {
            state.pending = false
            return true
          }
          state.waiter = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
        defer { state.waiter = nil }
        return state.waiter
      }
      waiter?.resume()
    }
  }
}
