import Testing

@testable import ControlService

@Suite struct ExecutionTraceTests {
  /// A sample per period of controller time; measured at `unix` = controller time + 1 s.
  static func fill(_ trace: inout ExecutionTrace, ticksMs: ClosedRange<UInt64>) -> [UInt64] {
    var due: UInt64 = 0
    var taken: [UInt64] = []
    for ms in ticksMs {
      let ns = ms * 1_000_000
      guard ns >= due else { continue }
      due = trace.record(atControllerNanoseconds: ns) { sample in
        sample.measuredAtUnixNanoseconds = 1_000_000_000 + ns
        sample.positionRad[0] = Double(ms)
      }
      taken.append(ms)
    }
    return taken
  }

  @Test func oneSamplePerPeriodAtTheFirstTickOnOrAfterEachMultiple() {
    var trace = ExecutionTrace(periodNanoseconds: 20_000_000, capacity: 100)
    #expect(Self.fill(&trace, ticksMs: 3...100) == [3, 20, 40, 60, 80, 100])
    let all = trace.samples(fromUnixNanoseconds: nil, toUnixNanoseconds: nil)
    #expect(all.samples.map(\.positionRad[0]) == [3, 20, 40, 60, 80, 100] && !all.truncated)
    // An inclusive range on the measured (Unix) time.
    let some = trace.samples(fromUnixNanoseconds: 1_020_000_000, toUnixNanoseconds: 1_060_000_000)
    #expect(some.samples.map(\.positionRad[0]) == [20, 40, 60])
  }

  @Test func traceOffRecordsNothingAndTheOptionSaysSo() throws {
    // --trace off: the loop is never asked again (next due = never) and GetTrace finds nothing.
    let off = ControllerHandle(tracing: false)
    var filled = false
    #expect(off.recordTrace(atControllerNanoseconds: 5_000_000) { _ in filled = true } == .max)
    #expect(!filled && off.trace(fromUnixNanoseconds: nil, toUnixNanoseconds: nil).samples.isEmpty)
    let on = ControllerHandle()
    #expect(on.recordTrace(atControllerNanoseconds: 5_000_000) { _ in filled = true } < .max && filled)
    #expect(try ControlOptions.parse(["--trace", "off"]).resolve(environment: [:]).trace == false)
    #expect(try ControlOptions.parse([]).resolve(environment: ["WORKCELL_CONTROL_TRACE": "off"]).trace == false)
    #expect(try ControlOptions.parse([]).resolve(environment: [:]).trace)
    #expect(throws: (any Error).self) { try ControlOptions.parse(["--trace", "maybe"]).resolve(environment: [:]) }
  }

  @Test func theRingKeepsTheNewestAndSaysWhenARangeBeganBeforeIt() {
    var trace = ExecutionTrace(periodNanoseconds: 10_000_000, capacity: 4)
    _ = Self.fill(&trace, ticksMs: 0...90)
    let all = trace.samples(fromUnixNanoseconds: 1_000_000_000, toUnixNanoseconds: nil)
    #expect(all.samples.map(\.positionRad[0]) == [60, 70, 80, 90])
    #expect(all.truncated)
    #expect(!trace.samples(fromUnixNanoseconds: 1_070_000_000, toUnixNanoseconds: nil).truncated)
    #expect(trace.samples(fromUnixNanoseconds: 2_000_000_000, toUnixNanoseconds: nil).samples.isEmpty)
  }
}
