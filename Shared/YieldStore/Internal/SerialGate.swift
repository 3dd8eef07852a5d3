/// Lets one task at a time through, in arrival order: the single SQLite connection must not see
/// statements of two transactions interleaved.
actor SerialGate {
  private var busy = false
  private var waiters: [CheckedContinuation<Void, Never>] = []

  /// Runs `body` once every earlier caller has finished.
  func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    await acquire()
    defer { release() }
    return try await body()
  }

  private func acquire() async {
    if busy {
      await withCheckedContinuation { waiters.append($0) }
    } else {
      busy = true
    }
  }

  private func release() {
    if waiters.isEmpty {
      busy = false
    } else {
      // Hands the gate over without reopening it, so no newcomer can overtake.
      waiters.removeFirst().resume()
    }
  }
}
