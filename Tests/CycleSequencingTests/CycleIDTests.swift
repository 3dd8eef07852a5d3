import CycleSequencing
import Foundation
import Testing

@Suite("Cycle ids (UUID v7)")
struct CycleIDTests {
  @Test("an id is a valid UUID of version 7, variant 10, carrying its millisecond")
  func shape() throws {
    let milliseconds: UInt64 = 1_795_564_800_123  // 2026-11-25T00:00:00.123Z
    let id = CycleID.make(unixMilliseconds: milliseconds, random: (0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF))
    #expect(UUID(uuidString: id) != nil)
    #expect(id.count == 36)
    #expect(Array(id)[14] == "7")
    #expect(["8", "9", "a", "b"].contains(Array(id)[19]))
    #expect(id.hasPrefix("01a2"))  // 0x01A2_... is 2026 in Unix milliseconds
    #expect(CycleID.unixMilliseconds(of: id) == milliseconds)
  }

  @Test("ids sort by time across milliseconds whatever their random bits")
  func ordered() {
    let early = CycleID.make(unixMilliseconds: 1_000, random: (.max, .max))
    let late = CycleID.make(unixMilliseconds: 1_001, random: (0, 0))
    #expect(early < late)
    #expect(CycleID.make(unixMilliseconds: 5, random: (1, 2)) != CycleID.make(unixMilliseconds: 5, random: (3, 4)))
  }

  @Test("other versions and shapes carry no time")
  func foreign() {
    #expect(CycleID.unixMilliseconds(of: "0f0e0d0c-0b0a-4908-8706-050403020100") == nil)
    #expect(CycleID.unixMilliseconds(of: "not-a-uuid") == nil)
    #expect(CycleID.unixMilliseconds(of: "0f0e0d0c-0b0a-7908-8706-05040302010") == nil)
    #expect(CycleID.unixMilliseconds(of: "0g0e0d0c-0b0a-7908-8706-050403020100") == nil)
  }
}
