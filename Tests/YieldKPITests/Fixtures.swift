import Foundation
import YieldKPI

/// An instant from RFC 3339 text, e.g. `at("2026-11-25T06:00:00Z")`.
func at(_ text: String) -> Date {
  try! Date(text, strategy: .iso8601)
}

/// [from, to) from RFC 3339 text.
func window(_ from: String, _ to: String) -> DateInterval {
  DateInterval(start: at(from), end: at(to))
}

/// A cycle with the defaults of a typical nut_install cycle: ok, 70 s against a 76 s takt.
func cycle(
  _ endedAt: String, _ outcome: CycleOutcome = .ok, ms: Int = 70_000, attempts: Int = 1,
  code: FailureCode? = nil, ideal: Int = 76_000, cell: String = "c1", robot: String = "r1",
  station: String = "nut_install", line: String = "l1"
) -> CycleFact {
  CycleFact(
    cell: cell, robot: robot, station: station, line: line, endedAt: at(endedAt), cycleMs: ms, outcome: outcome,
    attempts: attempts, failureCode: code, idealCycleMs: ideal)
}

/// A state interval of cell `c1` unless told otherwise.
func state(_ state: MachineState, _ from: String, _ to: String, cell: String = "c1", robot: String? = nil)
  -> StateInterval
{
  StateInterval(cell: cell, robot: robot, state: state, startedAt: at(from), endedAt: at(to))
}

/// Whether two ratios agree to 1e-12 (hand-computed decimals vs. binary floating point).
func close(_ actual: Double?, _ expected: Double) -> Bool {
  guard let actual else { return false }
  return abs(actual - expected) < 1e-12
}

/// A time of day from `HH:MM`.
func tod(_ text: String) -> TimeOfDay {
  TimeOfDay(text)!
}

/// Three shifts in `zone`: early 06:00–14:00 and late 14:00–22:00 with two 15 min breaks each,
/// night 22:00–06:00 with one 30 min break at 02:00.
func threeShiftCalendar(_ zone: String) throws -> ShiftCalendar {
  try ShiftCalendar(
    timeZoneIdentifier: zone,
    shifts: [
      ShiftDefinition(
        name: "early", start: tod("06:00"), end: tod("14:00"),
        breaks: [
          PlannedBreak(start: tod("09:00"), end: tod("09:15")), PlannedBreak(start: tod("12:00"), end: tod("12:15")),
        ]),
      ShiftDefinition(
        name: "late", start: tod("14:00"), end: tod("22:00"),
        breaks: [
          PlannedBreak(start: tod("17:00"), end: tod("17:15")), PlannedBreak(start: tod("20:00"), end: tod("20:15")),
        ]),
      ShiftDefinition(
        name: "night", start: tod("22:00"), end: tod("06:00"),
        breaks: [PlannedBreak(start: tod("02:00"), end: tod("02:30"))]),
    ])
}
