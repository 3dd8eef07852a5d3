import DurableOutbox
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Durable outbox (store-and-forward of cycle records)")
struct DurableOutboxTests {
  static let logger = Logger(label: "outbox-tests")

  static func withPath(_ body: (String) async throws -> Void) async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString).sqlite").path
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    try await body(path)
  }

  static func entry(_ n: Int) -> OutboxEntry { OutboxEntry(id: "cycle-\(n)", payload: Array("record \(n)".utf8)) }

  @Test("entries survive closing and reopening, in order, once per id")
  func survivesRestart() async throws {
    try await Self.withPath { path in
      let first = try await DurableOutbox.open(path: path, logger: Self.logger)
      for n in 0..<5 { try await first.append(Self.entry(n)) }
      try await first.append(Self.entry(2))
      await first.close()
      let second = try await DurableOutbox.open(path: path, logger: Self.logger)
      #expect(try await second.count() == 5)
      #expect(try await second.pending(limit: 3) == (0..<3).map(Self.entry))
      try await second.acknowledge(["cycle-0", "cycle-1"])
      #expect(try await second.pending(limit: 10).map(\.id) == ["cycle-2", "cycle-3", "cycle-4"])
      await second.close()
    }
  }

  @Test("what was begun and never appended is in flight after a restart; append ends it")
  func inFlightJournal() async throws {
    try await Self.withPath { path in
      let first = try await DurableOutbox.open(path: path, logger: Self.logger)
      try await first.begin(Self.entry(1))
      try await first.begin(Self.entry(2))
      try await first.begin(OutboxEntry(id: "cycle-2", payload: Array("draft 2".utf8)))
      try await first.append(Self.entry(1))
      #expect(try await first.inFlight().map(\.id) == ["cycle-2"])
      await first.close()  // as a crash would leave it: cycle-2 never appended
      let second = try await DurableOutbox.open(path: path, logger: Self.logger)
      let interrupted = try await second.inFlight()
      #expect(interrupted == [OutboxEntry(id: "cycle-2", payload: Array("draft 2".utf8))])
      try await second.append(OutboxEntry(id: "cycle-2", payload: Array("aborted 2".utf8)))
      #expect(try await second.inFlight().isEmpty)
      #expect(try await second.pending(limit: 10).map(\.id) == ["cycle-1", "cycle-2"])
      await second.close()
    }
  }

  @Test("delivery retries while the receiver is down and loses nothing")
  func retriesUntilDelivered() async throws {
    try await Self.withPath { path in
      let outbox = try await DurableOutbox.open(path: path, logger: Self.logger)
      for n in 0..<7 { try await outbox.append(Self.entry(n)) }
      let receiverUp = Mutex(false)
      let received = Mutex<[String]>([])
      let failures = Mutex(0)
      let delivery = Task {
        await outbox.deliver(batchSize: 3, idlePoll: .milliseconds(10), maxBackoff: .milliseconds(50), logger: Self.logger) {
          batch in
          guard receiverUp.withLock({ $0 }) else {
            failures.withLock { $0 += 1 }
            throw CancellationError()
          }
          received.withLock { $0 += batch.map(\.id) }
        }
      }
      // The receiver is down for a while: delivery is retried and entries stay. Waited for, not
      // slept on: CI runs every suite at once on two cores.
      let retried = ContinuousClock.now + .seconds(10)
      while failures.withLock({ $0 }) < 2, ContinuousClock.now < retried { try await Task.sleep(for: .milliseconds(20)) }
      #expect(failures.withLock { $0 } >= 2)
      #expect(try await outbox.count() == 7)
      receiverUp.withLock { $0 = true }
      try await outbox.append(Self.entry(7))
      let deadline = ContinuousClock.now + .seconds(10)
      while try await outbox.count() > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
      delivery.cancel()
      await delivery.value
      #expect(received.withLock { $0 } == (0..<8).map { "cycle-\($0)" })
      #expect(try await outbox.count() == 0)
      await outbox.close()
    }
  }

  /// A caller that counts what waits (the cell's backlog) recounts when told a batch went; told
  /// before the delete, its recount still saw the batch and kept it counted for good.
  @Test("acknowledged hears of a batch only once it has left the outbox")
  func acknowledgedAfterDelete() async throws {
    try await Self.withPath { path in
      let outbox = try await DurableOutbox.open(path: path, logger: Self.logger)
      for n in 0..<5 { try await outbox.append(Self.entry(n)) }
      let heard = Mutex<[(ids: [String], leftAfter: Int)]>([])
      let delivery = Task {
        await outbox.deliver(
          batchSize: 2, idlePoll: .milliseconds(10), logger: Self.logger,
          acknowledged: { batch in
            let left = (try? await outbox.count()) ?? -1
            heard.withLock { $0.append((batch.map(\.id), left)) }
          }
        ) { _ in }
      }
      let deadline = ContinuousClock.now + .seconds(10)
      while heard.withLock({ $0.count }) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
      delivery.cancel()
      await delivery.value
      let batches = heard.withLock { $0 }
      #expect(batches.map(\.ids) == [["cycle-0", "cycle-1"], ["cycle-2", "cycle-3"], ["cycle-4"]])
      #expect(batches.map(\.leftAfter) == [3, 1, 0])
      await outbox.close()
    }
  }
}
