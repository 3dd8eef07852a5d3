import Synchronization
import SimulatedTime

/// Wakes a device's poll loop early: after the bridge writes a coil, the PLC's answer is read
/// at once instead of at the next scheduled poll, which takes up to a poll period off every
/// handshake step.
final class PollTrigger: Sendable {
  private struct State {
    var pending = false
    var waiter: CheckedContinuation<Void, Never>?
  }

  private let state = Mutex(State())

  /// Requests a poll now (coalesced with any already requested).
  func fire() {
    let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
      if let waiter = state.waiter {
        state.waiter = nil
        return waiter
      }
      state.pending = true
      return nil
    }
    waiter?.resume()
  }

  /// Waits until fired or `deadline` (elapsed time on `clock`), whichever is first; returns early
  /// when cancelled.
  func wait(until deadline: Duration, on clock: any WorkcellClock) async {
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
