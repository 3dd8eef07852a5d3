import Synchronization

/// Lets at most `writers` ingest batches write to the database at once; the others wait, in
/// arrival order, while their records are still being received and validated.
///
/// Bulk batches are CPU work for PostgreSQL (COPY, b-trees, WAL): more concurrent writers than the
/// server has cores only add contention, and while two write the others decode. Measured on a
/// 2-core machine (yield-ingest, 4 calls of 20 000 v7 cycles, 6 quiet runs each): 2 writers median
/// 98 k cycles/s, 4 writers median 87 k. A waiting batch is not cancelled by its caller going away;
/// it waits for a writer's turn (one batch's write, well under a second) first.
final class IngestAdmission: Sendable {
  private struct State {
    var free: Int
    var waiting: [CheckedContinuation<Void, Never>] = []
  }

  /// Writers let through at once.
  let writers: Int
  private let state: Mutex<State>

  /// A gate for `writers` (at least 1) concurrent writes.
  init(writers: Int) {
    self.writers = max(1, writers)
    state = Mutex(State(free: max(1, writers)))
  }

  /// Runs `body` once a writer's turn is free.
  func write<T>(_ body: () async throws(YieldAPIError) -> T) async throws(YieldAPIError) -> T {
    await acquire()
    defer { release() }
    return try await body()
  }

  private func acquire() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let admitted = state.withLock { state in
        guard state.free > 0 else {
          state.waiting.append(continuation)
          return false
        }
        state.free -= 1
        return true
      }
      if admitted { continuation.resume() }
    }
  }

  private func release() {
    // The turn passes straight to the first waiter, so no newcomer can overtake it.
    let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
      guard !state.waiting.isEmpty else {
        state.free += 1
        return nil
      }
      return state.waiting.removeFirst()
    }
    next?.resume()
  }
}
