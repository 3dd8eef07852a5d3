import Testing

@testable import PolicyRuntime

@Suite struct BatcherTests {
  @Test func concurrentRequestsShareOneForwardAndEachGetsItsOwnChunk() async throws {
    let model = try tinyModel()
    let batcher = PolicyBatcher(model: model, config: .init(maxBatchSize: 8, window: .seconds(5)))
    // Eight robots: the eighth fills the batch, so nobody waits out the 5 s window.
    let chunks = await withTaskGroup(of: PolicyChunk.self) { group in
      for r in 0..<8 {
        group.addTask { await batcher.act(observation(joint1: 1 + 0.1 * Double(r), width: 0.01, sequence: UInt64(r))) }
      }
      return await group.reduce(into: [PolicyChunk]()) { $0.append($1) }
    }
    let statistics = await batcher.statistics
    #expect(statistics.batches == 1)
    #expect(statistics.largestBatch == 8)
    #expect(Set(chunks.map(\.sequence)) == Set(0..<8))
    for chunk in chunks {
      let expected = model.act(observation(joint1: 1 + 0.1 * Double(chunk.sequence), width: 0.01, sequence: chunk.sequence))
      #expect(chunk == expected)
    }
  }

  @Test func aPartialBatchRunsWhenTheWindowCloses() async throws {
    let batcher = PolicyBatcher(model: try tinyModel(), config: .init(maxBatchSize: 3, window: .milliseconds(20)))
    let sequences = await withTaskGroup(of: UInt64.self) { group in
      for r in 0..<5 {
        group.addTask { await batcher.act(observation(joint1: 1, width: 0, sequence: UInt64(r))).sequence }
      }
      return await group.reduce(into: [UInt64]()) { $0.append($1) }
    }
    let statistics = await batcher.statistics
    #expect(sequences.sorted() == [0, 1, 2, 3, 4])
    #expect(statistics.observations == 5)
    #expect(statistics.largestBatch == 3)
    #expect(statistics.batches >= 2)
  }

  @Test func aLoneRequestIsAnsweredAfterTheWindow() async throws {
    let batcher = PolicyBatcher(model: try tinyModel(), config: .init(maxBatchSize: 8, window: .milliseconds(1)))
    let chunk = await batcher.act(observation(joint1: 1.5, width: 0.04, sequence: 9))
    #expect(chunk.sequence == 9)
    await batcher.activate(try tinyModel(version: "tiny-2"))
    #expect(await batcher.act(observation(joint1: 1.5, width: 0.04)).modelVersion == "tiny-2")
    #expect(await batcher.statistics.batches == 2)
  }
}
