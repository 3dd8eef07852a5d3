import Testing
@testable import WholeBodyControl

@Suite("control mode machine (table tests)")
struct ModeMachineTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var from: ControlModeMachine
    var event: ControlModeMachine.Event
    var mode: ControlMode
    var stop: StopCategory?
    var endsChunk: ExecutionReason? = nil
    var refusal: ControlError.Code? = nil
    var torqueOn: Bool? = nil

    var testDescription: String { "\(from.mode)\(from.activeStop.map { "(\($0))" } ?? "") + \(event) → \(mode)" }
  }

  static func at(
    _ mode: ControlMode, stop: StopCategory? = nil, safetyOpen: Bool = false, busHealthy: Bool = true
  ) -> ControlModeMachine {
    ControlModeMachine(mode: mode, activeStop: stop, safetyOpen: safetyOpen, busHealthy: busHealthy)
  }

  static let rows: [Row] = [
    // Power-up and chunks.
    Row(from: ControlModeMachine(), event: .busStateReceived, mode: .holding, torqueOn: true),
    Row(
      from: at(.disabled, safetyOpen: true, busHealthy: false), event: .busStateReceived, mode: .disabled,
      torqueOn: false),
    Row(from: at(.holding), event: .chunkAccepted, mode: .tracking),
    Row(from: at(.homing), event: .chunkAccepted, mode: .tracking),
    Row(from: at(.tracking), event: .chunkAccepted, mode: .tracking),
    Row(
      from: at(.stopped, stop: .category2), event: .chunkAccepted, mode: .stopped, stop: .category2, refusal: .wrongMode
    ),
    Row(from: at(.fault), event: .chunkAccepted, mode: .fault, refusal: .wrongMode),
    Row(from: at(.disabled), event: .chunkAccepted, mode: .disabled, refusal: .wrongMode),
    Row(from: at(.tracking), event: .chunkEnded, mode: .holding),
    // Hold and home.
    Row(from: at(.tracking), event: .holdRequested, mode: .holding, endsChunk: .interrupted),
    Row(from: at(.homing), event: .holdRequested, mode: .holding),
    Row(
      from: at(.stopping, stop: .category1), event: .holdRequested, mode: .stopping, stop: .category1,
      refusal: .wrongMode),
    Row(from: at(.tracking), event: .homeRequested, mode: .homing, endsChunk: .interrupted),
    Row(from: at(.homing), event: .homeReached, mode: .holding),
    Row(from: at(.fault), event: .homeRequested, mode: .fault, refusal: .wrongMode),
    // Stops.
    Row(
      from: at(.tracking), event: .stopRequested(.category0), mode: .stopped, stop: .category0, endsChunk: .interrupted,
      torqueOn: false),
    Row(
      from: at(.tracking), event: .stopRequested(.category1), mode: .stopping, stop: .category1,
      endsChunk: .interrupted, torqueOn: true),
    Row(from: at(.holding), event: .stopRequested(.category2), mode: .stopping, stop: .category2, torqueOn: true),
    Row(
      from: at(.stopping, stop: .category1), event: .standstillReached, mode: .stopped, stop: .category1,
      torqueOn: false),
    Row(
      from: at(.stopping, stop: .category2), event: .standstillReached, mode: .stopped, stop: .category2, torqueOn: true
    ),
    Row(
      from: at(.stopping, stop: .category1), event: .stopBoundElapsed, mode: .stopped, stop: .category0, torqueOn: false
    ),
    Row(
      from: at(.stopping, stop: .category2), event: .stopBoundElapsed, mode: .stopped, stop: .category0, torqueOn: false
    ),
    Row(from: at(.stopping, stop: .category2), event: .stopRequested(.category1), mode: .stopping, stop: .category1),
    Row(from: at(.stopping, stop: .category1), event: .stopRequested(.category0), mode: .stopped, stop: .category0),
    Row(from: at(.stopping, stop: .category1), event: .stopRequested(.category2), mode: .stopping, stop: .category1),
    Row(
      from: at(.stopped, stop: .category2), event: .stopRequested(.category1), mode: .stopped, stop: .category1,
      torqueOn: false),
    Row(from: at(.stopped, stop: .category0), event: .stopRequested(.category2), mode: .stopped, stop: .category0),
    Row(from: at(.fault), event: .stopRequested(.category1), mode: .stopping, stop: .category1),
    Row(from: at(.disabled), event: .stopRequested(.category1), mode: .disabled),
    // Safety chain.
    Row(from: at(.tracking), event: .safetyOpened(.category1), mode: .stopping, stop: .category1, endsChunk: .safety),
    Row(from: at(.holding), event: .safetyOpened(.category0), mode: .stopped, stop: .category0, torqueOn: false),
    Row(from: at(.stopped, stop: .category1, safetyOpen: true), event: .safetyClosed, mode: .stopped, stop: .category1),
    // Resume.
    Row(
      from: at(.stopped, stop: .category1, safetyOpen: true), event: .resumeRequested, mode: .stopped, stop: .category1,
      refusal: .safetyChainOpen),
    Row(from: at(.stopped, stop: .category1), event: .resumeRequested, mode: .holding, torqueOn: true),
    Row(from: at(.stopped, stop: .category2), event: .resumeRequested, mode: .holding),
    Row(
      from: at(.stopping, stop: .category1), event: .resumeRequested, mode: .stopping, stop: .category1,
      refusal: .wrongMode),
    Row(from: at(.fault, busHealthy: false), event: .resumeRequested, mode: .fault, refusal: .jointBusDown),
    Row(from: at(.fault), event: .resumeRequested, mode: .holding),
    Row(from: at(.holding), event: .resumeRequested, mode: .holding),
    // Faults.
    Row(from: at(.tracking), event: .busTimedOut, mode: .fault, endsChunk: .fault, torqueOn: true),
    Row(from: at(.holding), event: .robotFell, mode: .fault),
    Row(from: at(.stopped, stop: .category1), event: .busTimedOut, mode: .stopped, stop: .category1),
    Row(from: at(.stopping, stop: .category1), event: .robotFell, mode: .stopping, stop: .category1),
  ]

  @Test("transitions", arguments: rows)
  func transition(_ row: Row) {
    var machine = row.from
    let outcome = machine.handle(row.event)
    #expect(machine.mode == row.mode)
    #expect(machine.activeStop == row.stop)
    #expect(outcome.endsChunk == row.endsChunk)
    #expect(outcome.refusal?.code == row.refusal)
    if let torqueOn = row.torqueOn { #expect(machine.torqueOn == torqueOn) }
  }

  @Test("a bus timeout marks the bus down; the next state marks it up without leaving fault")
  func busHealth() {
    var machine = Self.at(.holding)
    _ = machine.handle(.busTimedOut)
    #expect(!machine.busHealthy)
    #expect(machine.handle(.resumeRequested).refusal?.code == .jointBusDown)
    _ = machine.handle(.busStateReceived)
    #expect(machine.mode == .fault)
    #expect(machine.handle(.resumeRequested).refusal == nil)
    #expect(machine.mode == .holding)
  }

  @Test("e-stop: stop latched through the safety chain closing; resume only after it closes")
  func estopSequence() {
    var machine = Self.at(.tracking)
    #expect(machine.handle(.safetyOpened(.category1)).endsChunk == .safety)
    _ = machine.handle(.standstillReached)
    #expect(machine.mode == .stopped && !machine.torqueOn)
    #expect(machine.handle(.resumeRequested).refusal?.code == .safetyChainOpen)
    _ = machine.handle(.safetyClosed)
    #expect(machine.mode == .stopped, "closing the chain does not restart anything")
    #expect(machine.handle(.resumeRequested).refusal == nil)
    #expect(machine.mode == .holding && machine.activeStop == nil)
  }
}
