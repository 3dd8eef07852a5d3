/// Collects observations from several robots and answers them with one forward pass: a batch
/// runs when it is full or when the window since its first request has passed, whichever comes
/// first. Each caller gets the chunk for its own observation.
///
/// No background task: the first caller of a batch times the window in a child task and runs the
/// batch when it closes (unless a full batch ran first); cancelling that caller runs its batch at
/// once instead of stranding the others.
/// The forward pass runs on the actor (well under a millisecond for the models it serves).
public actor PolicyBatcher {
  /// How batches are formed.
  public struct Config: Sendable, Hashable {
    /// Largest batch; a batch this full runs at once.
    public var maxBatchSize: Int
    /// Longest a request waits for others before its batch runs.
    public var window: Duration

    /// A configuration from its parts.
    public init(maxBatchSize: Int, window: Duration) {
      self.maxBatchSize = max(maxBatchSize, 1)
      self.window = window
    }

    /// 8 robots, 2 ms.
    public static var defaults: Config { Config(maxBatchSize: 8, window: .milliseconds(2)) }
  }

  /// Counters for metrics and tests.
  public struct Statistics: Sendable, Hashable {
    /// Batches run.
    public var batches = 0
    /// Observations answered.
    public var observations = 0
    /// Size of the largest batch run.
    public var largestBatch = 0
    /// Size of the last batch run.
    public var lastBatchSize = 0
  }

  private struct Pending {
    var ticket: UInt64
    var observation: PolicyObservation
  }

  /// The batching configuration.
  public let config: Config
  /// The model that answers (swap with ``activate(_:)``).
  public private(set) var model: PolicyModel
  /// Counters so far.
  public private(set) var statistics = Statistics()

  private var pending: [Pending] = []
  private var batchNumber: UInt64 = 0
  private var nextTicket: UInt64 = 0
  private var results: [UInt64: PolicyChunk] = [:]
  private var waiting: [UInt64: CheckedContinuation<PolicyChunk, Never>] = [:]

  /// A batcher answering with `model`.
  public init(model: PolicyModel, config: Config = .defaults) {
    self.model = model
    self.config = config
  }

  /// Makes `model` the one that answers; batches run after this call use it.
  public func activate(_ model: PolicyModel) { self.model = model }

  /// The chunk for `observation`, computed in a batch with whatever other requests arrive
  /// within the window.
  public func act(_ observation: PolicyObservation) async -> PolicyChunk {
    let ticket = nextTicket
    nextTicket &+= 1
    let leads = pending.isEmpty
    let myBatch = batchNumber
    pending.append(Pending(ticket: ticket, observation: observation))
    if pending.count >= config.maxBatchSize { runBatch() }
    guard leads, batchNumber == myBatch else { return await result(for: ticket) }
    // The leader's window is a child task, cancelled as soon as the answer is in (a full batch
    // ran first) — nothing outlives the call.
    let window = config.window
    return await withTaskGroup(of: PolicyChunk?.self) { group in
      group.addTask {
        try? await Task.sleep(for: window)
        await self.windowClosed(batch: myBatch)
        return nil
      }
      group.addTask { await self.result(for: ticket) }
      var answer: PolicyChunk?
      while answer == nil, let next = await group.next() {
        if let next {
          answer = next
          group.cancelAll()
        }
      }
      // The result child always answers: the window child runs the batch at the latest.
      return answer!
    }
  }

  private func windowClosed(batch: UInt64) {
    if batchNumber == batch { runBatch() }
  }

  private func result(for ticket: UInt64) async -> PolicyChunk {
    if let chunk = results.removeValue(forKey: ticket) { return chunk }
    return await withCheckedContinuation { continuation in
      if let chunk = results.removeValue(forKey: ticket) {
        continuation.resume(returning: chunk)
      } else {
        waiting[ticket] = continuation
      }
    }
  }

  private func runBatch() {
    guard !pending.isEmpty else { return }
    let batch = pending
    pending.removeAll(keepingCapacity: true)
    batchNumber &+= 1
    let chunks = model.act(batch.map(\.observation))
    statistics.batches += 1
    statistics.observations += batch.count
    statistics.lastBatchSize = batch.count
    statistics.largestBatch = max(statistics.largestBatch, batch.count)
    for (request, chunk) in zip(batch, chunks) {
      if let continuation = waiting.removeValue(forKey: request.ticket) {
        continuation.resume(returning: chunk)
      } else {
        results[request.ticket] = chunk
      }
    }
  }
}
