import Foundation
import Testing
import YieldKPI

@Suite("Shift calendar: instances across midnight and DST, breaks, validation")
struct ShiftCalendarTests {
  @Test("a cycle at 01:30 belongs to the night shift that started 22:00 the day before (UTC)")
  func acrossMidnightUTC() throws {
    let calendar = try threeShiftCalendar("UTC")
    let night = try #require(calendar.shift(containing: at("2026-11-25T01:30:00Z")))
    #expect(night == ShiftInstance(name: "night", start: at("2026-11-24T22:00:00Z"), end: at("2026-11-25T06:00:00Z")))
    // Start inclusive, end exclusive: 05:59:59 is night, 06:00 is early.
    #expect(calendar.shift(containing: at("2026-11-25T05:59:59Z"))?.name == "night")
    #expect(calendar.shift(containing: at("2026-11-25T06:00:00Z"))?.name == "early")
    #expect(calendar.shift(containing: at("2026-11-25T22:00:00Z"))?.start == at("2026-11-25T22:00:00Z"))
  }

  @Test("across midnight in Europe/Berlin (CET, UTC+1 in November)")
  func acrossMidnightBerlin() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    // 00:30Z = 01:30 CET on 25 Nov → night shift of 24 Nov, 22:00 CET = 21:00Z until 06:00 CET = 05:00Z.
    let night = try #require(calendar.shift(containing: at("2026-11-25T00:30:00Z")))
    #expect(night == ShiftInstance(name: "night", start: at("2026-11-24T21:00:00Z"), end: at("2026-11-25T05:00:00Z")))
    #expect(night.lengthS == 8 * 3600)
  }

  @Test("DST spring forward: the night shift of 2026-03-28/29 in Berlin lasts 7 h")
  func springForward() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    // 01:00Z = 03:00 CEST. Start 22:00 CET = 21:00Z; end 06:00 CEST = 04:00Z → 7 h = 25 200 s.
    let night = try #require(calendar.shift(containing: at("2026-03-29T01:00:00Z")))
    #expect(night.name == "night")
    #expect(night.start == at("2026-03-28T21:00:00Z"))
    #expect(night.end == at("2026-03-29T04:00:00Z"))
    #expect(night.lengthS == 25_200)
    // The early shift starts where the night ends: 06:00 CEST = 04:00Z.
    #expect(calendar.shift(containing: at("2026-03-29T04:00:00Z"))?.start == at("2026-03-29T04:00:00Z"))
    // The 02:00–02:30 break falls in the skipped hour: it moves past the jump, 03:00–03:30 CEST =
    // 01:00Z–01:30Z, and keeps its 30 min.
    #expect(calendar.plannedBreaks(in: night) == [window("2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z")])
  }

  @Test("DST fall back: the night shift of 2026-10-24/25 in Berlin lasts 9 h")
  func fallBack() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    // 02:00Z = 03:00 CET. Start 22:00 CEST = 20:00Z; end 06:00 CET = 05:00Z → 9 h = 32 400 s.
    let night = try #require(calendar.shift(containing: at("2026-10-25T02:00:00Z")))
    #expect(night.start == at("2026-10-24T20:00:00Z"))
    #expect(night.end == at("2026-10-25T05:00:00Z"))
    #expect(night.lengthS == 32_400)
    // 02:00–02:30 is shown twice; the break takes the first: 02:00 CEST = 00:00Z until 00:30Z.
    #expect(calendar.plannedBreaks(in: night) == [window("2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z")])
  }

  @Test("instances overlapping a day, in order; breaks of the early shift")
  func instancesAndBreaks() throws {
    let calendar = try threeShiftCalendar("UTC")
    let instances = calendar.instances(overlapping: window("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"))
    // The night from the 24th reaches in; the night of the 25th starts at 22:00.
    #expect(instances.map(\.name) == ["night", "early", "late", "night"])
    #expect(
      instances.map(\.start) == [
        at("2026-11-24T22:00:00Z"), at("2026-11-25T06:00:00Z"), at("2026-11-25T14:00:00Z"), at("2026-11-25T22:00:00Z"),
      ])
    #expect(
      calendar.plannedBreaks(in: instances[1]) == [
        window("2026-11-25T09:00:00Z", "2026-11-25T09:15:00Z"), window("2026-11-25T12:00:00Z", "2026-11-25T12:15:00Z"),
      ])
    // Touching the window's end does not overlap: [06:00, 14:00) ends where late starts.
    #expect(
      calendar.instances(overlapping: window("2026-11-25T06:00:00Z", "2026-11-25T14:00:00Z")).map(\.name) == [
        "early"
      ])
  }

  @Test("gaps between shifts are unscheduled")
  func unscheduled() throws {
    let calendar = try ShiftCalendar(
      timeZoneIdentifier: "UTC", shifts: [ShiftDefinition(name: "day", start: tod("08:00"), end: tod("16:00"))])
    #expect(calendar.shift(containing: at("2026-11-25T07:59:59Z")) == nil)
    #expect(calendar.shift(containing: at("2026-11-25T16:00:00Z")) == nil)
    #expect(calendar.shift(containing: at("2026-11-25T08:00:00Z"))?.name == "day")
  }

  @Test("a break across midnight inside a night shift is valid")
  func breakAcrossMidnight() throws {
    let calendar = try ShiftCalendar(
      timeZoneIdentifier: "UTC",
      shifts: [
        ShiftDefinition(
          name: "night", start: tod("22:00"), end: tod("06:00"),
          breaks: [PlannedBreak(start: tod("23:50"), end: tod("00:10"))])
      ])
    let night = try #require(calendar.shift(containing: at("2026-11-25T03:00:00Z")))
    #expect(calendar.plannedBreaks(in: night) == [window("2026-11-24T23:50:00Z", "2026-11-25T00:10:00Z")])
  }

  @Test(
    "validation errors carry a code",
    arguments: [
      // Unknown zone.
      ("Mars/Olympus_Mons", [ShiftDefinition(name: "early", start: tod("06:00"), end: tod("14:00"))], .unknownTimeZone),
      // early 06–14 and late 13–22 share 13:00–14:00.
      (
        "UTC",
        [
          ShiftDefinition(name: "early", start: tod("06:00"), end: tod("14:00")),
          ShiftDefinition(name: "late", start: tod("13:00"), end: tod("22:00")),
        ], .overlappingShifts
      ),
      // night 22–06 and early 05–13 share 05:00–06:00 across midnight.
      (
        "UTC",
        [
          ShiftDefinition(name: "night", start: tod("22:00"), end: tod("06:00")),
          ShiftDefinition(name: "early", start: tod("05:00"), end: tod("13:00")),
        ], .overlappingShifts
      ),
      // A 24 h shift (start = end) overlaps every other shift.
      (
        "UTC",
        [
          ShiftDefinition(name: "all", start: tod("06:00"), end: tod("06:00")),
          ShiftDefinition(name: "extra", start: tod("07:00"), end: tod("08:00")),
        ], .overlappingShifts
      ),
      // Break runs past the shift end.
      (
        "UTC",
        [
          ShiftDefinition(
            name: "early", start: tod("06:00"), end: tod("14:00"),
            breaks: [PlannedBreak(start: tod("13:50"), end: tod("14:10"))])
        ], .breakOutsideShift
      ),
      // Break starts before a night shift.
      (
        "UTC",
        [
          ShiftDefinition(
            name: "night", start: tod("22:00"), end: tod("06:00"),
            breaks: [PlannedBreak(start: tod("21:30"), end: tod("22:10"))])
        ], .breakOutsideShift
      ),
      (
        "UTC",
        [
          ShiftDefinition(
            name: "early", start: tod("06:00"), end: tod("14:00"),
            breaks: [
              PlannedBreak(start: tod("09:00"), end: tod("09:30")),
              PlannedBreak(start: tod("09:15"), end: tod("09:45")),
            ])
        ], .overlappingBreaks
      ),
      (
        "UTC",
        [
          ShiftDefinition(
            name: "early", start: tod("06:00"), end: tod("14:00"),
            breaks: [PlannedBreak(start: tod("09:00"), end: tod("09:00"))])
        ], .emptyBreak
      ),
      ("UTC", [ShiftDefinition(name: "early", start: TimeOfDay(hour: 24), end: tod("14:00"))], .invalidTimeOfDay),
      (
        "UTC",
        [
          ShiftDefinition(name: "early", start: tod("06:00"), end: tod("14:00")),
          ShiftDefinition(name: "early", start: tod("14:00"), end: tod("22:00")),
        ], .invalidShiftName
      ),
    ] as [(String, [ShiftDefinition], ShiftCalendarError.Code)])
  func validation(zone: String, shifts: [ShiftDefinition], code: ShiftCalendarError.Code) {
    #expect {
      _ = try ShiftCalendar(timeZoneIdentifier: zone, shifts: shifts)
    } throws: { error in
      (error as? ShiftCalendarError)?.code == code
    }
  }

  @Test("adjacent shifts covering the day are valid")
  func adjacentIsValid() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    #expect(calendar.shifts.count == 3)
  }

  @Test("time of day parsing")
  func parsing() {
    #expect(TimeOfDay("22:00") == TimeOfDay(hour: 22))
    #expect(TimeOfDay("06:30:15") == TimeOfDay(hour: 6, minute: 30, second: 15))
    #expect(TimeOfDay("24:00") == nil)
    #expect(TimeOfDay("6") == nil)
    #expect(TimeOfDay("06:60") == nil)
    #expect(TimeOfDay(hour: 6, minute: 5).description == "06:05")
  }
}
