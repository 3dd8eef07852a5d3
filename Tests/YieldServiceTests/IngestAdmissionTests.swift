import Synchronization
import Testing

@testable import YieldService

@Suite("Ingest admission")
struct IngestAdmissionTests {
  /// Writes running now and the most seen at once.
  final class Occupancy: Sendable {
    let counts = Mutex((now: 0, most: 0, done: 0))
    func enter() {
      counts.withLock {
        $0.now += 1; $0.most = max($0.most, $0.now)
      }
    }
    func leave() {
      counts.withLock {
        $0.now -= 1; $0.done += 1
      }
    }
  }

  @Test("never more writers at once than allowed; every write runs", arguments: [1, 2, 3])
  func bounded(_ writers: Int) async throws {
    let admission = IngestAdmission(writers: writers)
    let occupancy = Occupancy()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<12 {
        group.addTask {
          try await admission.write { () async throws(YieldAPIError) in
            occupancy.enter()
            try? await Task.sleep(for: .milliseconds(10))
            occupancy.leave()
          }
        }
      }
      try await group.waitForAll()
    }
    let counts = occupancy.counts.withLock { $0 }
    #expect(counts.done == 12)
    #expect(counts.most == writers)
  }

  @Test("a failed write gives its turn back")
  func failureReleases() async throws {
    let admission = IngestAdmission(writers: 1)
    await #expect(throws: YieldAPIError.self) {
      try await admission.write { () async throws(YieldAPIError) in throw .invalidParameter("boom") }
    }
    let value = try await admission.write { () async throws(YieldAPIError) in 42 }
    #expect(value == 42)
  }

  @Test("writers below 1 mean 1")
  func atLeastOne() {
    #expect(IngestAdmission(writers: 0).writers == 1)
  }
}
