import PlcHandshakes
import Testing

/// A named sequence of (tick time, expected toggle) for one heartbeat period.
struct HeartbeatScenario: Sendable, CustomTestStringConvertible {
  var name: String
  var periodMs: Int64
  /// Tick time in ms and the value `due` must return (nil = no toggle); `nil` time = restart().
  var ticks: [(atMs: Int64?, due: Bool?)]
  var testDescription: String { name }
}

let heartbeatScenarios: [HeartbeatScenario] = [
  HeartbeatScenario(
    name: "100 ms period: toggles at once, then every 100 ms on the tick at or after it is due",
    periodMs: 100,
    ticks: [
      (1000, true), (1010, nil), (1099, nil), (1100, false), (1150, nil), (1200, true),
      // A late tick toggles and keeps the cadence (next at 1400, not 1410).
      (1310, false), (1399, nil), (1400, true),
      // More than a period late: one toggle, no burst; the next is a full period later.
      (1750, false), (1760, nil), (1849, nil), (1850, true),
    ]),
  HeartbeatScenario(
    name: "restart toggles at the next tick",
    periodMs: 200,
    ticks: [(0, true), (100, nil), (nil, nil), (101, false), (300, nil), (301, true)]),
]

@Test("heartbeat schedule", arguments: heartbeatScenarios)
func heartbeatSchedule(_ scenario: HeartbeatScenario) throws {
  var schedule = try HeartbeatSchedule(config: .init(period: .milliseconds(scenario.periodMs)))
  for (index, tick) in scenario.ticks.enumerated() {
    guard let atMs = tick.atMs else {
      schedule.restart()
      continue
    }
    let due = schedule.due(now: ms(atMs))
    #expect(due == tick.due, "tick \(index) at \(atMs) ms")
    if let due { #expect(schedule.value == due) }
  }
}

@Test(
  "heartbeat periods at or above 250 ms, zero or negative are rejected",
  arguments: [250, 251, 1000, 0, -100] as [Int64])
func heartbeatRejectsPeriod(_ periodMs: Int64) {
  #expect {
    _ = try HeartbeatSchedule(config: .init(period: .milliseconds(periodMs)))
  } throws: { error in
    guard let error = error as? PlcHandshakeError else { return false }
    return error.code == .invalidArgument && error.step == .heartbeat && error.message.contains("250 ms")
      && error.message.contains("HEARTBEAT")
  }
}

@Test("heartbeat periods below 250 ms are accepted; the default is 100 ms", arguments: [1, 100, 249] as [Int64])
func heartbeatAcceptsPeriod(_ periodMs: Int64) throws {
  let schedule = try HeartbeatSchedule(config: .init(period: .milliseconds(periodMs)))
  #expect(schedule.config.period == .milliseconds(periodMs))
  #expect(HeartbeatSchedule.Config.defaults.period == .milliseconds(100))
}

@Test("driven by a 10 ms poll loop, the gap between toggles never reaches 250 ms")
func heartbeatGapsUnderPollLoop() throws {
  var schedule = try HeartbeatSchedule(config: .init(period: .milliseconds(240)))
  var lastToggle: Int64? = nil
  var maxGap: Int64 = 0
  var toggles = 0
  // A poll loop with 10 ms ticks and 3 ms of jitter on every third tick.
  for tick in 0..<1000 {
    let now = Int64(tick) * 10 + (tick % 3 == 0 ? 3 : 0)
    guard schedule.due(now: ms(now)) != nil else { continue }
    if let lastToggle { maxGap = max(maxGap, now - lastToggle) }
    lastToggle = now
    toggles += 1
  }
  #expect(maxGap < 250)
  #expect(toggles > 35)
}
