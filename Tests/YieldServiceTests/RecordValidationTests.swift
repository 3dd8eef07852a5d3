import Foundation
import Testing

@testable import YieldService

@Suite("Cycle and state-event validation")
struct RecordValidationTests {
  static func goodDraft() -> CycleDraft {
    let start = Date(timeIntervalSince1970: 1_795_586_400)
    return CycleDraft(
      cycleID: "0B6F3F4E-8C1D-4C5E-9A57-1F0E2D3C4B5A", plant: "p", line: "l", cell: "c", robot: "r",
      station: "nut_install", partSerial: nil, startedAt: start, endedAt: start.addingTimeInterval(70),
      cycleMs: 70_000, outcome: "ok", attempts: 1, failureCode: nil, torqueNm: 12.5, angleDeg: 90,
      modelVersion: "m", idealCycleMs: 76_000)
  }

  @Test("a good cycle passes; its id is stored lowercase and an empty failure code means none")
  func goodCycle() throws {
    var draft = Self.goodDraft()
    draft.failureCode = ""
    let rows = try RecordValidation.cycles([draft]).get()
    #expect(rows.first?.cycleID == "0b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5a")
    #expect(rows.first?.failureCode == nil)
  }

  @Test(
    "each bad field is named with the record's index",
    arguments: [
      ("cycle_id", { @Sendable (d: inout CycleDraft) in d.cycleID = "not-a-uuid" }),
      ("cycle_id", { @Sendable (d: inout CycleDraft) in d.cycleID = nil }),
      ("plant", { @Sendable (d: inout CycleDraft) in d.plant = "" }),
      ("ended_at", { @Sendable (d: inout CycleDraft) in d.endedAt = d.startedAt!.addingTimeInterval(-1) }),
      ("cycle_ms", { @Sendable (d: inout CycleDraft) in d.cycleMs = -1 }),
      ("cycle_ms", { @Sendable (d: inout CycleDraft) in d.cycleMs = 80_000 }),
      ("outcome", { @Sendable (d: inout CycleDraft) in d.outcome = "good" }),
      ("attempts", { @Sendable (d: inout CycleDraft) in d.attempts = 0 }),
      ("failure_code", { @Sendable (d: inout CycleDraft) in d.failureCode = "grip_slip" }),
      ("failure_code", { @Sendable (d: inout CycleDraft) in d.outcome = "nok" }),
      ("failure_code", { @Sendable (d: inout CycleDraft) in
        d.outcome = "nok"
        d.failureCode = "gremlins"
      }),
      ("torque_nm", { @Sendable (d: inout CycleDraft) in d.torqueNm = .infinity }),
      ("ideal_cycle_ms", { @Sendable (d: inout CycleDraft) in d.idealCycleMs = 0 }),
      ("model_version", { @Sendable (d: inout CycleDraft) in d.modelVersion = String(repeating: "x", count: 201) }),
    ] as [(String, @Sendable (inout CycleDraft) -> Void)])
  func badField(field: String, spoil: @Sendable (inout CycleDraft) -> Void) {
    var bad = Self.goodDraft()
    spoil(&bad)
    var second = Self.goodDraft()
    second.cycleID = "1b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5a"
    switch RecordValidation.cycles([second, bad]) {
    case .success: Issue.record("a batch with a bad \(field) was accepted")
    case .failure(let rejection):
      #expect(rejection.problems.map(\.field) == [field])
      #expect(rejection.problems.allSatisfy { $0.index == 1 })
      #expect(rejection.summary.contains("record 1, field \(field)"))
    }
  }

  @Test("cycle_ms may differ from ended_at − started_at by up to 1 s (clock rounding in the cell)")
  func cycleMsTolerance() {
    var draft = Self.goodDraft()
    draft.cycleMs = 71_000
    #expect((try? RecordValidation.cycles([draft]).get()) != nil)
    draft.cycleMs = 71_001
    #expect((try? RecordValidation.cycles([draft]).get()) == nil)
  }

  @Test("every problem of every record is reported, up to 100")
  func manyProblems() {
    let drafts = (0..<60).map { _ in CycleDraft() }
    guard case .failure(let rejection) = RecordValidation.cycles(drafts) else {
      Issue.record("empty drafts accepted")
      return
    }
    #expect(rejection.problems.count == IngestLimits.problemsReported)
    #expect(rejection.problems.first?.index == 0)
  }

  @Test("state events: state, times and id are checked")
  func stateEvents() {
    let start = Date(timeIntervalSince1970: 1_795_586_400)
    let good = StateEventDraft(
      eventID: "2b6f3f4e-8c1d-4c5e-9a57-1f0e2d3c4b5a", cell: "c", robot: "", state: "planned_stop", reason: "break",
      startedAt: start, endedAt: start.addingTimeInterval(900))
    let rows = try? RecordValidation.stateEvents([good]).get()
    #expect(rows?.first?.robot == nil, "an empty robot is the whole cell's state")
    var bad = good
    bad.state = "lunch"
    bad.endedAt = start.addingTimeInterval(-1)
    guard case .failure(let rejection) = RecordValidation.stateEvents([good, bad]) else {
      Issue.record("bad event accepted")
      return
    }
    #expect(Set(rejection.problems.map(\.field)) == ["state", "ended_at"])
  }
}

@Suite("Bearer tokens")
struct TokenAuthorityTests {
  @Test("the file format: names, scopes, hashes; errors name the line")
  func parsing() throws {
    let text = """
      # plant tokens
      mes      read        \(String(repeating: "ab", count: 32))
      cell-01  write       \(String(repeating: "cd", count: 32))  # the cell's sequencer

      importer read,write  \(String(repeating: "ef", count: 32))
      """
    let authority = try TokenAuthority(text: text, source: "tokens")
    #expect(authority.entries.map(\.name) == ["mes", "cell-01", "importer"])
    #expect(authority.entries[2].scopes == [.read, .write])
    #expect(throws: TokenAuthority.ConfigurationError.self) {
      try TokenAuthority(text: "mes read abc", source: "tokens")
    }
    do {
      _ = try TokenAuthority(text: "\n\nmes admin \(String(repeating: "ab", count: 32))", source: "t.txt")
      Issue.record("unknown scope accepted")
    } catch {
      #expect(error.description.hasPrefix("t.txt:3: unknown scope 'admin'"))
    }
  }

  @Test("SHA-256 of the presented token is compared; scope decides 403")
  func decisions() throws {
    // printf %s abc | sha256sum
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    // printf %s writer | sha256sum
    let writer = "b93006774cbdd4b299389a03ac3d88c3a76b460d538795bc12718011a909fba5"
    let authority = try TokenAuthority(text: "mes read \(abc)\ncell write \(writer)", source: "t")
    #expect(authority.authorize(authorization: "Bearer abc", scope: .read) == .allowed(tokenName: "mes"))
    #expect(authority.authorize(authorization: "bearer abc", scope: .read) == .allowed(tokenName: "mes"))
    #expect(authority.authorize(authorization: "Bearer abc", scope: .write) == .forbidden)
    #expect(authority.authorize(authorization: "Bearer abd", scope: .read) == .unauthenticated)
    #expect(authority.authorize(authorization: nil, scope: .read) == .unauthenticated)
    #expect(authority.authorize(authorization: "Basic YWJj", scope: .read) == .unauthenticated)
    #expect(authority.authorize(authorization: "Bearer ", scope: .read) == .unauthenticated)
    #expect(TokenAuthority(entries: []).authorize(authorization: nil, scope: .write) == .allowed(tokenName: nil))
  }
}
