import Foundation
import Synchronization
import Testing

@testable import EpisodeRecording

@Suite struct EpisodeRecorderTests {
  static func episode(_ id: String, frames: Int = 3) -> Episode {
    Episode(
      cycleID: id, robot: "left", cell: "cell-01", modelVersion: "wc-mlp-2", startedAt: Date(timeIntervalSince1970: 1_000),
      task: "place the nut", replanHz: 10, stateNames: ["a", "b"], actionNames: ["c"],
      frames: (0..<frames).map {
        .init(
          timeS: Double($0) * 0.1, step: "reach", state: [Double($0), 1], action: [0.5], modelVersion: "wc-mlp-2",
          latencyMs: 3, sequence: UInt64($0 + 1))
      },
      steps: [.init(step: "reach", startedS: 0, durationMs: 300, attempts: 1)], outcome: "ok", failureCode: "", attempts: 1,
      cycleMs: 9000)
  }

  static func directory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("episodes-\(UUID().uuidString)")
  }

  @Test func writesOneFilePerCycleThatReadsBack() throws {
    let dir = Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let recorder = try EpisodeRecorder(directory: dir, maxBytes: 1_000_000)
    let written = Self.episode("0190a3b4-0000-7000-8000-000000000001")
    try recorder.write(written)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    #expect(names == ["0190a3b4-0000-7000-8000-000000000001.episode.json"])
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let read = try decoder.decode(Episode.self, from: Data(contentsOf: dir.appendingPathComponent(names[0])))
    #expect(read == written)
    // The file uses the names the exporter reads.
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(names[0]))) as? [String: Any]
    #expect(object?["cycle_id"] as? String == written.cycleID)
    #expect((object?["frames"] as? [[String: Any]])?.first?["time_s"] != nil)
    #expect(recorder.counts.written == 1)
  }

  @Test func theOldestGoFirstPastTheBudget() throws {
    let dir = Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let size = try JSONEncoder().encode(Self.episode("0190a3b4-0000-7000-8000-000000000000", frames: 20)).count
    // Room for three episodes, not four.
    let recorder = try EpisodeRecorder(directory: dir, maxBytes: Int64(size * 3 + size / 2))
    let ids = (1...5).map { "0190a3b4-0000-7000-8000-00000000000\($0)" }
    for id in ids { try recorder.write(Self.episode(id, frames: 20)) }
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(left == ids.suffix(3).map { $0 + EpisodeRecorder.suffix })
    #expect(recorder.counts.dropped == 2)
    #expect(recorder.counts.onDisk == 3)
    // A recorder opened again counts what is there.
    let reopened = try EpisodeRecorder(directory: dir, maxBytes: Int64(size * 3 + size / 2))
    #expect(reopened.counts.onDisk == 3)
    try reopened.write(Self.episode("0190a3b4-0000-7000-8000-000000000009", frames: 20))
    #expect(reopened.counts.dropped == 1)
  }

  @Test func submittedEpisodesAreWrittenInOrderByTheWriterThread() async throws {
    let dir = Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let recorder = try EpisodeRecorder(directory: dir, maxBytes: 1_000_000)
    let results = Mutex<[String]>([])
    let ids = (1...6).map { "0190a3b4-0000-7000-8000-00000000010\($0)" }
    for id in ids {
      recorder.submit(Self.episode(id)) { result in
        results.withLock { $0.append((try? result.get()).map { "\(id) dropped \($0)" } ?? "\(id) failed") }
      }
    }
    #expect(await recorder.drain(timeoutS: 10))
    #expect(results.withLock { $0 } == ids.map { "\($0) dropped 0" })
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ids.map { $0 + EpisodeRecorder.suffix })
  }

  @Test func anUnusableDirectoryIsAClearError() throws {
    let file = Self.directory()
    try Data("x".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    #expect(throws: EpisodeRecorderError.self) { try EpisodeRecorder(directory: file, maxBytes: 1000) }
  }
}
