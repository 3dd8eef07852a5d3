import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The one thread a whole fleet's simulation runs on in one process (docs/simulation.md, "One
/// thread"): a task executor whose jobs the clock's owner runs between the world's steps.
///
/// On the simulated clock a wake-up is a hand-over: the owner wakes a participant, the participant
/// computes, and time stands still until it sleeps again. On the cooperative thread pool each
/// hand-over is two thread wake-ups (tens of microseconds on this 2-core machine), a thousand
/// times per simulated second. With the fleet's tasks preferring this executor
/// (`withTaskExecutorPreference`), a woken participant's job is queued here and the owner runs it
/// at once on its own thread: no thread switch, and jobs run in the order they were queued.
///
/// - The executor's thread runs queued jobs. `runOwner` hands it the owner's loop (cell-sim's
///   stepping loop), which then runs the jobs itself (`runPending`) whenever it waits on the clock;
///   when the loop returns the thread goes back to running jobs.
/// - A job is queued from any thread; `wake` (the clock's `poke`) tells a waiting owner.
/// - Code on this executor must never block its thread waiting for another task: nothing would
///   run that task. The fleet's code waits with `await`; locks are held only briefly.
/// - Tasks that do not prefer it (an unstructured `Task {}` without `executorPreference`, a NIO
///   event loop) run elsewhere as before: still correct on the clock, just not on this thread.
public final class SimExecutor: TaskExecutor, @unchecked Sendable {
  /// The executor the current task's participants prefer (nil outside a simulation): for an
  /// unstructured task that should stay on the simulation's thread,
  /// `Task(executorPreference: SimExecutor.current)`.
  @TaskLocal public static var current: SimExecutor?

  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var head = 0
  private var owner: (@Sendable () -> Void)?
  private var wakeOwner: (@Sendable () -> Void)?
  private var thread: pthread_t?
  private var jobsRun: UInt64 = 0

  /// Starts the executor's thread, named `name` (at most 15 characters show in `top`).
  public init(name: String = "simulation") {
    let started = DispatchSemaphore(value: 0)
    let thread = Thread { [unowned self] in
      self.condition.lock()
      self.thread = pthread_self()
      self.condition.unlock()
      started.signal()
      self.serve()
    }
    thread.name = name
    thread.stackSize = 8 << 20
    thread.start()
    started.wait()
  }

  /// Whether the caller runs on the executor's thread.
  public var isCurrentThread: Bool {
    condition.lock()
    defer { condition.unlock() }
    return thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
  }

  /// Jobs run since the start (diagnostics).
  public var jobCount: UInt64 {
    condition.lock()
    defer { condition.unlock() }
    return jobsRun
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    condition.lock()
    jobs.append(unowned)
    let wake = wakeOwner
    condition.signal()
    condition.unlock()
    wake?()
  }

  /// Runs `operation` as a task of this executor's simulation: it and its child tasks prefer the
  /// executor, and `SimExecutor.current` names it.
  public func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(self) {
      try await Self.$current.withValue(self) { try await operation() }
    }
  }

  /// Hands `body` to the executor's thread: it runs there once the job that called this returns
  /// to the thread (or at once if the thread is idle). While `body` runs, it must call
  /// `runPending()` whenever it waits; `wake` is called on every job queued meanwhile.
  public func runOwner(_ body: @escaping @Sendable () -> Void, wake: @escaping @Sendable () -> Void) {
    condition.lock()
    owner = body
    wakeOwner = wake
    condition.signal()
    condition.unlock()
  }

  /// Runs the jobs queued now (not those they queue: the caller gets its thread back even if a
  /// task keeps yielding). Only on the executor's thread; elsewhere it does nothing. Returns how
  /// many ran.
  @discardableResult
  public func runPending() -> Int {
    guard isCurrentThread else { return 0 }
    condition.lock()
    let count = jobs.count - head
    condition.unlock()
    for _ in 0..<count {
      guard let job = next() else { break }
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
    return count
  }

  private func next() -> UnownedJob? {
    condition.lock()
    defer { condition.unlock() }
    guard head < jobs.count else { return nil }
    let job = jobs[head]
    head += 1
    jobsRun &+= 1
    if head == jobs.count {
      jobs.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 1024 {
      jobs.removeFirst(head)
      head = 0
    }
    return job
  }

  /// The executor's thread: runs jobs, or the owner's loop when one is handed over.
  private func serve() {
    while true {
      condition.lock()
      while head >= jobs.count && owner == nil { condition.wait() }
      if let body = owner {
        owner = nil
        condition.unlock()
        body()
        condition.lock()
        wakeOwner = nil
        condition.unlock()
        continue
      }
      condition.unlock()
      if let job = next() { job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
  }
}
