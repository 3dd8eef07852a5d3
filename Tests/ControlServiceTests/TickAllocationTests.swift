import Foundation
import JointBus
import Logging
import Prometheus
import AllocationCounting
import Testing

@testable import ControlService

/// The heap allocations this thread makes in `body` (malloc, calloc, realloc, aligned
/// allocations: the Swift runtime's objects and buffers, Foundation's, the C library's), counted
/// by the test bundle's own allocator (`Tests/AllocationCounting`); nil when it is not the
/// process's allocator.
func allocations(_ body: () -> Void) -> Int? {
  workcell_allocations_start()
  body()
  let count = workcell_allocations_stop()
  return workcell_allocations_interposed() == 1 ? count : nil
}

/// A class allocation the optimiser cannot remove, to prove the counter sees allocations.
final class AllocationProbe: @unchecked Sendable {
  var value: Int
  init(_ value: Int) { self.value = value }
}

@Suite(.serialized)
struct TickAllocationTests {
  /// One controller tick as `ControlLoop` runs it on its thread: a state datagram read into the
  /// state interfaces, the controller's update, the command datagram written.
  @Test("a control tick makes no heap allocation (holding, trace on)")
  func tickAllocatesNothing() throws {
    let ticker = ControlTicker(
      robotIndex: 0, clock: .wall, config: .defaults, handle: ControllerHandle(),
      metrics: ControlMetrics(registry: PrometheusCollectorRegistry(), robot: "left"),
      logger: Logger(label: "tick-allocation-test"), busDescription: "test")
    var state = JointBusState()
    var datagram = [UInt8](repeating: 0, count: JointBus.stateSize)
    var outgoing = [UInt8](repeating: 0, count: JointBus.commandSize)
    var sent = 0
    var tick: UInt64 = 0
    func runTicks(_ count: Int) {
      for _ in 0..<count {
        tick += 1
        state.header = JointBus.Header(robot: 0, sequence: tick, timestampNs: tick * 1_000_000)
        datagram.withUnsafeMutableBytes { state.encode(into: $0) }
        let valid = datagram.withUnsafeBytes { ticker.decodeIncoming($0) }
        if valid { ticker.received() }
        let woke = ControlClock.monotonicNanoseconds()
        ticker.wallTick(at: woke)
        ticker.step(got: valid, woke: woke) { command in
          outgoing.withUnsafeMutableBytes { command.encode(into: $0) }
          sent += 1
        }
      }
    }

    // The counter counts: one class instance per iteration.
    var probes: [AllocationProbe] = []
    probes.reserveCapacity(10)
    let seen = try #require(allocations { for i in 0..<10 { probes.append(AllocationProbe(i)) } })
    #expect(seen >= 10, "the allocation hook saw \(seen) of 10 allocations")

    runTicks(2_000)  // warm-up: first state, disabled → holding, buffers sized
    let before = sent
    let allocations = try #require(allocations { runTicks(5_000) })
    #expect(sent - before == 5_000, "every tick wrote a command")
    #expect(allocations == 0, "\(allocations) allocations in 5 000 ticks")
  }
}
