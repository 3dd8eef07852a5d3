import Foundation
import Synchronization
import Testing

@testable import SimulatedTime

/// Drives a `SimulationClock` the way cell-sim's stepping thread does: wait until nobody holds
/// it, advance one millisecond, repeat — on a thread of its own.
private final class Owner: @unchecked Sendable {
  let clock: SimulationClock
  private let stop = Atomic<Bool>(false)
  private let done = Atomic<Bool>(false)
  let steps = Atomic<Int>(0)

  init(_ clock: SimulationClock) {
    self.clock = clock
    let thread = Thread { [self] in
      while !stop.load(ordering: .relaxed) {
        guard clock.waitUntilIdle(timeoutS: 0.05) else { continue }
        let next = clock.elapsedMicroseconds + 1000
        clock.advance(toMicroseconds: next, stallLimitS: 5)
        steps.add(1, ordering: .relaxed)
      }
      done.store(true, ordering: .sequentiallyConsistent)
    }
    thread.start()
  }

  func finish() async {
    stop.store(true, ordering: .sequentiallyConsistent)
    while !done.load(ordering: .sequentiallyConsistent) { try? await Task.sleep(for: .milliseconds(1)) }
  }
}

private final class OrderLog: Sendable {
  private let log = Mutex<[String]>([])
  func append(_ entry: String) { log.withLock { $0.append(entry) } }
  var entries: [String] { log.withLock { $0 } }
}

@Suite struct SimulationClockTests {
  @Test func sleepWakesAtTheSimulatedInstant() async throws {
    let clock = SimulationClock(startTime: Date(timeIntervalSince1970: 1_000))
    let owner = Owner(clock)
    // The owner may move time before the sleeper joins: the wake-up counts from when it slept.
    let (slept, woke) = try await clock.activity("sleeper") { () async throws -> (Int64, Int64) in
      let slept = clock.elapsedMicroseconds
      try await clock.sleep(seconds: 0.250)
      return (slept, clock.elapsedMicroseconds)
    }
    await owner.finish()
    #expect(woke - slept == 250_000)
  }

  @Test func timeStandsStillWhileAnActivityComputes() async throws {
    let clock = SimulationClock()
    let owner = Owner(clock)
    let (before, after) = await clock.activity("busy") { () -> (Int64, Int64) in
      let before = clock.elapsedMicroseconds
      // Busy for 50 ms of wall time without sleeping on the clock.
      let until = ContinuousClock.now + .milliseconds(50)
      while ContinuousClock.now < until {}
      return (before, clock.elapsedMicroseconds)
    }
    await owner.finish()
    #expect(before == after)
  }

  @Test func sameInstantWakeUpsRunInNameOrderOneAtATime() async throws {
    for _ in 0..<5 {
      let clock = SimulationClock()
      let order = OrderLog()
      // The participants are all asleep on the clock before it starts to move (the guarantee is
      // about participants that exist; who joins when is the fleet's start-up, not the clock's).
      let starter = Task {
        while clock.sleeperCount < 3 { try? await Task.sleep(for: .milliseconds(1)) }
        return Owner(clock)
      }
      await withTaskGroup(of: Void.self) { group in
        for name in ["c", "a", "b"] {
          group.addTask {
            try? await clock.activity(name) {
              for round in 0..<3 {
                try await clock.sleep(until: clock.startTime.addingTimeInterval(0.010 * Double(round + 1)))
                order.append("\(name)\(round)")
              }
            }
          }
        }
      }
      await starter.value.finish()
      #expect(order.entries == ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"])
    }
  }

  @Test func anUnreadMessageHoldsTheClock() async throws {
    let clock = SimulationClock()
    let stream = clock.openStream()
    clock.holdMessage(stream: stream)
    #expect(!clock.isIdle)
    #expect(!clock.waitUntilIdle(timeoutS: 0.02))
    clock.releaseMessage(stream: stream)
    #expect(clock.isIdle)
    clock.holdMessage(stream: stream)
    clock.holdMessage(stream: stream)
    clock.closeStream(stream)
    #expect(clock.isIdle)
    // A closed stream's late writes hold nothing.
    clock.holdMessage(stream: stream)
    #expect(clock.isIdle)
  }

  @Test func cancellingASleeperWakesItAndKeepsTheCountRight() async throws {
    let clock = SimulationClock()
    let task = Task {
      try await clock.activity("sleeper") { try await clock.sleep(seconds: 3600) }
    }
    while clock.nextWakeMicroseconds == nil { try await Task.sleep(for: .milliseconds(1)) }
    #expect(clock.isIdle)
    task.cancel()
    await #expect(throws: CancellationError.self) { try await task.value }
    #expect(clock.isIdle)
    #expect(clock.nextWakeMicroseconds == nil)
  }

  @Test func datesRoundToTheSameMicrosecondWhateverTheStart() async throws {
    for start in [0.0, 1_733_000_000.123, 1_765_000_000.987654] {
      let clock = SimulationClock(startTime: Date(timeIntervalSince1970: start))
      let task = Task { try await clock.sleep(until: clock.startTime.addingTimeInterval(0.173)) }
      while clock.nextWakeMicroseconds == nil { try await Task.sleep(for: .milliseconds(1)) }
      #expect(clock.nextWakeMicroseconds == 173_000)
      clock.advance(toMicroseconds: 173_000, stallLimitS: 1)
      try await task.value
    }
  }

  @Test func latencyDrawsRepeatPerCall() throws {
    let model = try LatencyModel(parsing: "40,60,80@7")
    let first = (0..<100).map { model.delaySeconds(call: $0) }
    #expect(first == (0..<100).map { model.delaySeconds(call: $0) })
    #expect(Set(first) == [0.04, 0.06, 0.08])
    #expect(try LatencyModel(parsing: "50").delaySeconds(call: 9) == 0.05)
    #expect(throws: LatencyModelError.self) { try LatencyModel(parsing: "-1") }
    #expect(throws: LatencyModelError.self) { try LatencyModel(parsing: "1,x@3") }
  }
}
