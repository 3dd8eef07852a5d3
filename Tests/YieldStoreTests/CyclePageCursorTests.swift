import Foundation
import Testing
import YieldStore

@Suite("CyclePageCursor")
struct CyclePageCursorTests {
  @Test("a token round-trips and is URL-safe")
  func roundTrip() throws {
    let cursor = CyclePageCursor(
      endedAtMilliseconds: 1_772_409_600_123, cycleID: "3F2B8C1E-5D4A-4E1B-9C7D-2A6F0E8B1C3D")
    let token = cursor.token
    #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    let decoded = try CyclePageCursor(token: token)
    #expect(decoded == cursor)
    #expect(decoded.cycleID == "3f2b8c1e-5d4a-4e1b-9c7d-2a6f0e8b1c3d")
  }

  @Test(
    "malformed tokens are refused with a typed error",
    arguments: [
      "", "!!!", "abc", "djE6MTIzOm5vdC1hLXV1aWQ", "djI6MTIzOjNmMmI4YzFlLTVkNGEtNGUxYi05YzdkLTJhNmYwZThiMWMzZA",
      String(repeating: "A", count: 500), "djE6YWJjOjNmMmI4YzFlLTVkNGEtNGUxYi05YzdkLTJhNmYwZThiMWMzZA==",
    ])
  func malformed(_ token: String) {
    let error = #expect(throws: YieldStoreError.self) { try CyclePageCursor(token: token) }
    #expect(error?.code == .malformedPageToken)
  }
}

@Suite("UUID text")
struct UUIDTextTests {
  @Test("canonical lowercase form and value, in one pass; same as Foundation's", arguments: [
    "0B6F3F4E-8C1D-4C5E-9A57-1F0E2D3C4B5A", "0b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5a", "00000000-0000-0000-0000-000000000000",
    "FFFFFFFF-ffff-FfFf-fFfF-FFFFFFFFFFFF",
  ])
  func parses(_ text: String) throws {
    let parsed = try #require(UUIDText.parse(text))
    let foundation = try #require(UUID(uuidString: text))
    #expect(parsed.uuid == foundation)
    #expect(parsed.canonical == foundation.uuidString.lowercased())
  }

  @Test("not a UUID", arguments: [
    "", "x", "0b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5", "0b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5aa",
    "0b6f3f4e 8c1d-4c5e-9a57-1f0e2d3c4b5a", "0b6f3f4g-8c1d-4c5e-9a57-1f0e2d3c4b5a", "0b6f3f4e-8c1d-4c5e-9a571f0e2d3c4b5a-",
  ])
  func refuses(_ text: String) {
    #expect(UUIDText.parse(text) == nil)
  }

  @Test("every one-character change of a UUID: accepted exactly when it is still 8-4-4-4-12 hex, with Foundation's value")
  func oneCharacterChanges() {
    // Foundation's own parser on Linux is no reference for refusing: it reads ':' or '@' as digits.
    let hex = Set("0123456789abcdefABCDEF")
    let base = Array("0b6f3f4e-8C1D-4c5e-9a57-1f0e2d3c4b5a")
    let replacements: [Character] = ["0", "9", "a", "f", "A", "F", "g", "G", "-", " ", "/", ":", "@", "`", "\u{7f}"]
    for position in base.indices {
      for replacement in replacements {
        var changed = base
        changed[position] = replacement
        let text = String(changed)
        let isUUID = changed.indices.allSatisfy { [8, 13, 18, 23].contains($0) ? changed[$0] == "-" : hex.contains(changed[$0]) }
        let parsed = UUIDText.parse(text)
        #expect((parsed != nil) == isUUID, "\(text)")
        if isUUID {
          #expect(parsed?.uuid == UUID(uuidString: text), "\(text)")
          #expect(parsed?.canonical == text.lowercased(), "\(text)")
        }
      }
    }
  }
}
