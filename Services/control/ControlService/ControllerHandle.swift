import GRPCCore
import Synchronization
import JointBus
import WholeBodyControl

/// What the gRPC handlers ask of the loop. The loop owns the controller; handlers only queue
/// requests (applied between two ticks) and read the snapshot the loop publishes.
enum ControlRequest: Sendable {
  typealias Reply = CheckedContinuation<Result<Void, ControlError>, Never>
  /// Track a chunk (times are Unix nanoseconds; the loop maps them onto its clock) for `stream`.
  case accept(ActionChunk, stream: UInt64, reply: Reply)
  case hold(reply: Reply)
  case home(reply: Reply)
  case stop(StopCategory, reason: String, reply: Reply)
  case resume(reply: Reply)
  /// The safety chain as the PLC bridge reports it.
  case safety(open: Bool, reason: String)
  /// Does nothing: answered once every request posted before it has been applied.
  case flush(reply: Reply)
  /// An Execute stream's progress events go to `events` (replied once registered).
  case subscribe(stream: UInt64, events: AsyncStream<ExecuteEvent>.Continuation, reply: Reply)
  case unsubscribe(stream: UInt64)
}

/// What the loop tells one Execute stream, in order.
enum ExecuteEvent: Sendable {
  /// A chunk of this stream was taken; its progress follows.
  case accepted(chunkID: String)
  /// Progress of one of this stream's chunks; `measuredAtUnixNanoseconds` for the wire.
  case progress(ChunkProgress, measuredAtUnixNanoseconds: UInt64)
  /// The stream's client sent its last chunk (yielded by the handler, not the loop).
  case inputEnded
}

/// The one place the loop thread and the async handlers meet: a request queue and the published
/// snapshot, each behind its own lock, each held for a copy at most.
final class ControllerHandle: Sendable {
  private struct Inbox: Sendable {
    var requests: [ControlRequest] = []
    var running = false
    var whyNotRunning = "the control loop has not started"
  }

  private let inbox = Mutex(Inbox())
  private let published = Mutex(RobotSnapshot())
  /// What the loop executed, 50 Hz, the last 120 s (written by the loop, read by GetTrace).
  private let trace = Mutex(ExecutionTrace())
  private let streamCounter = Atomic<UInt64>(0)
  /// Told when a request is queued (a world in this process that ticks the controller).
  private let onRequest = Mutex<Wake?>(nil)

  /// `notify` runs whenever a request is queued.
  func notifyOnRequest(_ notify: @escaping @Sendable () -> Void) {
    let wake = Wake(notify)
    onRequest.withLock { $0 = wake }
  }

  private func requestQueued() { onRequest.withLock { $0 }?.call() }

  /// Whether the loop records its trace (`--trace`; off: GetTrace answers no samples).
  let tracing: Bool

  init(tracing: Bool = true) { self.tracing = tracing }

  /// A fresh id for an Execute stream.
  func nextStreamID() -> UInt64 { streamCounter.add(1, ordering: .relaxed).newValue }

  /// Records one trace sample (the loop, when one is due); returns when the next is due.
  func recordTrace(atControllerNanoseconds nanoseconds: UInt64, _ fill: (inout ExecutionTrace.Sample) -> Void) -> UInt64 {
    guard tracing else { return .max }
    return trace.withLock { $0.record(atControllerNanoseconds: nanoseconds, fill) }
  }

  /// The trace samples measured in [`from`, `to`] (Unix nanoseconds; nil = unbounded).
  func trace(fromUnixNanoseconds from: UInt64?, toUnixNanoseconds to: UInt64?) -> (samples: [ExecutionTrace.Sample], truncated: Bool) {
    trace.withLock { $0.samples(fromUnixNanoseconds: from, toUnixNanoseconds: to) }
  }

  /// The newest snapshot (a copy with its own buffers).
  func snapshot() -> RobotSnapshot { published.withLock { $0.detached() } }

  /// Queues a request that needs no reply; dropped when the loop is not running.
  func post(_ request: ControlRequest) {
    inbox.withLock { if $0.running { $0.requests.append(request) } }
    requestQueued()
  }

  /// Queues a request and waits for the loop to apply it (within a tick). Throws the
  /// controller's refusal, or UNAVAILABLE when no loop runs.
  func perform(_ make: (ControlRequest.Reply) -> ControlRequest) async throws {
    let result: Result<Void, ControlError> = await withCheckedContinuation { reply in
      let notRunning: String? = inbox.withLock { box in
        guard box.running else { return box.whyNotRunning }
        box.requests.append(make(reply))
        return nil
      }
      if let notRunning {
        reply.resume(returning: .failure(ControlError(.jointBusDown, notRunning)))
      } else {
        requestQueued()
      }
    }
    if case .failure(let error) = result { throw ControlRPCError(error) }
  }

  // MARK: - The loop's side

  /// The loop starts taking requests.
  func loopStarted() { inbox.withLock { $0.running = true } }

  /// The loop ended: later requests fail with `why`; the queued ones are returned to be failed.
  func loopStopped(why: String) -> [ControlRequest] {
    inbox.withLock { box in
      box.running = false
      box.whyNotRunning = why
      defer { box.requests.removeAll() }
      return box.requests
    }
  }

  /// Swaps the queued requests into `drained` (empty, capacity kept: no allocation per tick).
  func drain(into drained: inout [ControlRequest]) {
    inbox.withLock { box in
      if !box.requests.isEmpty { swap(&box.requests, &drained) }
    }
  }

  /// Publishes the loop's view (element copies into the published buffers).
  func publish(_ update: (inout RobotSnapshot) -> Void) { published.withLock { update(&$0) } }
}

/// A controller refusal as the gRPC status control.proto promises.
struct ControlRPCError: Error, RPCErrorConvertible, CustomStringConvertible {
  let error: ControlError

  init(_ error: ControlError) { self.error = error }

  var rpcErrorCode: RPCError.Code {
    switch error.code {
    case .invalidChunk: .invalidArgument
    case .wrongMode, .safetyChainOpen: .failedPrecondition
    case .jointBusDown: .unavailable
    }
  }

  var rpcErrorMessage: String { error.message }
  var description: String { error.message }
}
