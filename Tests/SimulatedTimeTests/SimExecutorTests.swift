import Foundation
import Synchronization
import Testing

@testable import SimulatedTime

/// Records which thread ran what.
private final class Threads: Sendable {
  private let seen = Mutex<[String: Bool]>([:])
  func note(_ what: String, _ executor: SimExecutor) { seen.withLock { $0[what] = executor.isCurrentThread } }
  subscript(_ what: String) -> Bool? { seen.withLock { $0[what] } }
}

private actor Counter {
  var value = 0
  func bump(_ threads: Threads, _ executor: SimExecutor) {
    threads.note("actor", executor)
    value += 1
  }
}

@Suite struct SimExecutorTests {
  @Test func tasksThatPreferItRunOnItsThread() async throws {
    let executor = SimExecutor(name: "test-sim")
    let threads = Threads()
    #expect(!executor.isCurrentThread)
    await executor.run {
      threads.note("root", executor)
      await withTaskGroup(of: Void.self) { group in
        group.addTask { threads.note("child", executor) }
      }
      // An unstructured task stays only when asked to: SimExecutor.current names the executor.
      await Task(executorPreference: SimExecutor.current) { threads.note("unstructured", executor) }.value
      await Task { threads.note("elsewhere", executor) }.value
      await Counter().bump(threads, executor)
      try? await Task.sleep(for: .milliseconds(1))
      threads.note("after a wall sleep", executor)
    }
    #expect(threads["root"] == true)
    #expect(threads["child"] == true)
    #expect(threads["unstructured"] == true)
    #expect(threads["elsewhere"] == false)
    #expect(threads["actor"] == true)
    #expect(threads["after a wall sleep"] == true)
  }

  /// The clock's owner runs on the executor's thread and runs the woken participants itself:
  /// a participant's wake-up is a job the owner runs in `advance`, not a thread switch.
  @Test func theOwnerRunsTheParticipantsItWakes() async throws {
    let executor = SimExecutor(name: "test-sim")
    let clock = SimulationClock(executor: executor)
    let threads = Threads()
    let stop = Atomic<Bool>(false)
    let ownerDone = Atomic<Bool>(false)
    let wakeUps = Atomic<Int>(0)
    let result = try await executor.run { () async throws -> [Int64] in
      executor.runOwner(
        {
          threads.note("owner", executor)
          while !stop.load(ordering: .relaxed) {
            executor.runPending()
            guard clock.waitUntilIdle(timeoutS: 0.05) else { continue }
            guard let next = clock.nextWakeMicroseconds else {
              clock.waitForPoke(timeoutS: 0.001)
              continue
            }
            clock.advance(toMicroseconds: next, stallLimitS: 5)
          }
          ownerDone.store(true, ordering: .sequentiallyConsistent)
        }, wake: { clock.poke() })
      return try await clock.activity("participant") {
        var woke: [Int64] = []
        for _ in 0..<50 {
          try await clock.sleep(seconds: 0.010)
          threads.note("participant", executor)
          wakeUps.add(1, ordering: .relaxed)
          woke.append(clock.elapsedMicroseconds)
        }
        return woke
      }
    }
    stop.store(true, ordering: .sequentiallyConsistent)
    while !ownerDone.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(1)) }
    #expect(threads["owner"] == true)
    #expect(threads["participant"] == true)
    #expect(wakeUps.load(ordering: .relaxed) == 50)
    // Every wake-up at its simulated instant, 10 ms apart.
    #expect(zip(result, result.dropFirst()).allSatisfy { $1 - $0 == 10_000 })
    #expect(executor.jobCount >= 50)
  }

  /// `runPending` runs what was queued when it was called and gives the thread back, even to a
  /// task that keeps yielding.
  @Test func runPendingReturnsBesideATaskThatKeepsYielding() async throws {
    let executor = SimExecutor(name: "test-sim")
    let passes = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    let ownerPasses = Atomic<Int>(0)
    let ownerDone = Atomic<Bool>(false)
    await executor.run {
      executor.runOwner(
        {
          while !stop.load(ordering: .relaxed) {
            executor.runPending()
            ownerPasses.add(1, ordering: .relaxed)
          }
          ownerDone.store(true, ordering: .sequentiallyConsistent)
        }, wake: {})
      while passes.load(ordering: .relaxed) < 1000 {
        passes.add(1, ordering: .relaxed)
        await Task.yield()
      }
    }
    stop.store(true, ordering: .sequentiallyConsistent)
    while !ownerDone.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(1)) }
    // The owner got its thread back between the yields.
    #expect(ownerPasses.load(ordering: .relaxed) >= 1000)
  }
}
