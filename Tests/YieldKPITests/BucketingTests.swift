import Foundation
import Testing
import YieldKPI

@Suite("Bucketing by group_by dimensions")
struct BucketingTests {
  let berlin = TimeZone(identifier: "Europe/Berlin")!

  @Test("day buckets are UTC days by default")
  func utcDay() {
    let key = Bucketing.key(for: cycle("2026-03-29T23:30:00Z"), by: [.day], calendar: nil)
    #expect(key == BucketKey(bucketStart: at("2026-03-29T00:00:00Z")))
  }

  @Test("day buckets in Europe/Berlin are 23 h on 2026-03-29 and 25 h on 2026-10-25")
  func berlinDays() {
    // 12:00Z on 29 Mar is 14:00 CEST; the day started at 00:00 CET = 28 Mar 23:00Z.
    #expect(
      Bucketing.key(for: cycle("2026-03-29T12:00:00Z"), by: [.day], calendar: nil, timeZone: berlin).bucketStart
        == at("2026-03-28T23:00:00Z"))
    // 22:30Z on 29 Mar is already 00:30 CEST on 30 Mar: next day, starting 22:00Z.
    #expect(
      Bucketing.key(for: cycle("2026-03-29T22:30:00Z"), by: [.day], calendar: nil, timeZone: berlin).bucketStart
        == at("2026-03-29T22:00:00Z"))
    // 29 Mar: 23:00Z → 22:00Z = 23 h = 82 800 s; 30 Mar: 22:00Z → 22:00Z = 86 400 s.
    let march = Bucketing.timeBuckets(
      in: window("2026-03-28T23:00:00Z", "2026-03-30T22:00:00Z"), by: [.day], calendar: nil, timeZone: berlin)
    #expect(march.map(\.interval.duration) == [82_800, 86_400])
    #expect(march.map(\.key.bucketStart) == [at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")])
    // 25 Oct: 00:00 CEST = 24 Oct 22:00Z → 26 Oct 00:00 CET = 25 Oct 23:00Z → 25 h = 90 000 s.
    let october = Bucketing.timeBuckets(
      in: window("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"), by: [.day], calendar: nil, timeZone: berlin)
    #expect(october.map(\.interval.duration) == [90_000])
  }

  @Test("hour buckets: the hour repeated at fall back is two buckets; the day has 25")
  func berlinHours() {
    // 00:30Z = 02:30 CEST, 01:30Z = 02:30 CET: same wall time, different hours.
    let first = Bucketing.key(for: cycle("2026-10-25T00:30:00Z"), by: [.hour], calendar: nil, timeZone: berlin)
    let second = Bucketing.key(for: cycle("2026-10-25T01:30:00Z"), by: [.hour], calendar: nil, timeZone: berlin)
    #expect(first.bucketStart == at("2026-10-25T00:00:00Z"))
    #expect(second.bucketStart == at("2026-10-25T01:00:00Z"))
    let hours = Bucketing.timeBuckets(
      in: window("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"), by: [.hour], calendar: nil, timeZone: berlin)
    #expect(hours.count == 25)
    #expect(hours.allSatisfy { $0.interval.duration == 3600 })
  }

  @Test("hour buckets in a half-hour zone start at the local hour")
  func halfHourZone() {
    // Asia/Kolkata is UTC+5:30: 10:10Z = 15:40 local → hour 15:00 local = 09:30Z.
    let key = Bucketing.key(
      for: cycle("2026-11-25T10:10:00Z"), by: [.hour], calendar: nil, timeZone: TimeZone(identifier: "Asia/Kolkata")!)
    #expect(key.bucketStart == at("2026-11-25T09:30:00Z"))
  }

  @Test("shift buckets: name and shift start; 01:30 goes to the night that began at 22:00")
  func shiftBuckets() throws {
    let calendar = try threeShiftCalendar("UTC")
    let key = Bucketing.key(for: cycle("2026-11-25T01:30:00Z"), by: [.shift], calendar: calendar)
    #expect(key == BucketKey(bucketStart: at("2026-11-24T22:00:00Z"), shiftName: "night"))
    // Without a calendar no cycle is lost: the shift is nil.
    #expect(Bucketing.key(for: cycle("2026-11-25T01:30:00Z"), by: [.shift], calendar: nil) == BucketKey())
  }

  @Test("shift buckets follow the calendar's zone even with tz = UTC for days")
  func shiftAndDay() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    // 22:30Z on 25 Nov = 23:30 CET: night shift (Berlin), but still the UTC day 25 Nov.
    let key = Bucketing.key(for: cycle("2026-11-25T22:30:00Z"), by: [.day, .shift], calendar: calendar)
    #expect(key == BucketKey(bucketStart: at("2026-11-25T00:00:00Z"), shiftName: "night"))
  }

  @Test("combined dimensions group and order rows by their key fields")
  func combined() {
    let cycles = [
      cycle("2026-11-26T00:00:00Z", cell: "c1"),
      cycle("2026-11-25T12:00:00Z", cell: "c2"),
      cycle("2026-11-25T23:59:59Z", cell: "c1"),
      cycle("2026-11-25T08:00:00Z", cell: "c1", robot: "r2"),
    ]
    let groups = Bucketing.groupCycles(cycles, by: [.day, .cell], calendar: nil, timeZone: .gmt)
    let keys = groups.keys.sorted()
    // 25 Nov: c1 (2 cycles: robots r1 and r2 merge, robot not grouped), c2; 26 Nov: c1.
    #expect(
      keys == [
        BucketKey(bucketStart: at("2026-11-25T00:00:00Z"), cell: "c1"),
        BucketKey(bucketStart: at("2026-11-25T00:00:00Z"), cell: "c2"),
        BucketKey(bucketStart: at("2026-11-26T00:00:00Z"), cell: "c1"),
      ])
    #expect(keys.map { groups[$0]!.count } == [2, 1, 1])
    // No dimension: one bucket with everything.
    #expect(Bucketing.groupCycles(cycles, by: [], calendar: nil)[BucketKey()]?.count == 4)
    // Station, line, robot.
    let byRobot = Bucketing.groupCycles(cycles, by: [.line, .station, .robot], calendar: nil)
    #expect(
      byRobot.keys.sorted() == [
        BucketKey(robot: "r1", station: "nut_install", line: "l1"),
        BucketKey(robot: "r2", station: "nut_install", line: "l1"),
      ])
  }

  @Test("OEE time buckets by shift tile the window, clipped to it")
  func shiftTimeBuckets() throws {
    let calendar = try threeShiftCalendar("UTC")
    let buckets = Bucketing.timeBuckets(
      in: window("2026-11-25T00:00:00Z", "2026-11-25T14:00:00Z"), by: [.shift], calendar: calendar)
    // night (from 24 Nov 22:00) clipped to 00:00–06:00, then early 06:00–14:00.
    #expect(
      buckets.map(\.key) == [
        BucketKey(bucketStart: at("2026-11-24T22:00:00Z"), shiftName: "night"),
        BucketKey(bucketStart: at("2026-11-25T06:00:00Z"), shiftName: "early"),
      ])
    #expect(buckets.map(\.interval.duration) == [21_600, 28_800])
  }
}
