import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Writes each finished cycle's episode to its own file, durably, within a disk budget
/// (docs/episodes.md).
///
/// - A cycle's frames stay in memory until it ends (`Episode` is built by the caller); the write
///   is one file: `<cycle_id>.episode.json.partial`, fsync, rename to `<cycle_id>.episode.json`,
///   fsync of the directory. A crash loses at most the cycle in progress; a file killed
///   mid-write stays `.partial` and the exporter names it torn.
/// - Past `maxBytes` the oldest episodes are deleted first (names are UUID v7: they sort by start
///   time); `dropped` counts them.
public final class EpisodeRecorder: Sendable {
  public static let suffix = ".episode.json"
  public static let partialSuffix = ".episode.json.partial"

  public let directory: URL
  public let maxBytes: Int64
  private let state = Mutex(State())
  /// Episodes handed over with `submit`, waiting for the writer thread.
  private let queue = NSCondition()
  private nonisolated(unsafe) var waiting: [(Episode, @Sendable (Result<Int, EpisodeRecorderError>) -> Void)] = []
  private nonisolated(unsafe) var writerBusy = false
  private nonisolated(unsafe) var writerStarted = false

  private struct State {
    /// Episodes on disk, oldest first, with their sizes.
    var files: [(name: String, bytes: Int64)] = []
    var totalBytes: Int64 = 0
    var written = 0
    var dropped = 0
    var droppedBytes: Int64 = 0
  }

  /// Opens (creating it if needed) `directory`; what is already there counts against the budget.
  public init(directory: URL, maxBytes: Int64) throws(EpisodeRecorderError) {
    self.directory = directory
    self.maxBytes = maxBytes
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasSuffix(Self.suffix) }.sorted()
      var files: [(String, Int64)] = []
      for name in names {
        let size = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size])
        files.append((name, (size as? NSNumber)?.int64Value ?? 0))
      }
      state.withLock {
        $0.files = files
        $0.totalBytes = files.reduce(0) { $0 + $1.1 }
      }
    } catch {
      throw EpisodeRecorderError(.directoryUnusable, "cannot use \(directory.path) for episodes: \(error)")
    }
  }

  /// Episodes written since the start, and those deleted to keep the budget.
  public var counts: (written: Int, dropped: Int, droppedBytes: Int64, onDisk: Int, bytesOnDisk: Int64) {
    state.withLock { ($0.written, $0.dropped, $0.droppedBytes, $0.files.count, $0.totalBytes) }
  }

  /// Hands `episode` to the recorder's writer thread and returns at once: encoding and fsync
  /// (milliseconds each) never hold up the caller — on one simulation thread they would hold up
  /// the whole fleet. Episodes are written in the order submitted; `done` gets how many older
  /// episodes were deleted for the budget, or the error. A crash loses what is still queued (the
  /// writer keeps up: a cycle takes seconds, a write milliseconds).
  public func submit(_ episode: Episode, done: @escaping @Sendable (Result<Int, EpisodeRecorderError>) -> Void = { _ in }) {
    queue.lock()
    waiting.append((episode, done))
    if !writerStarted {
      writerStarted = true
      let thread = Thread { [self] in self.writerLoop() }
      thread.name = "episode writer"
      thread.start()
    }
    queue.signal()
    queue.unlock()
  }

  /// Waits (up to `timeoutS` of wall time) until every submitted episode is written; false if
  /// some are still queued then. For a clean shutdown.
  @discardableResult
  public func drain(timeoutS: Double = 10) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutS * 1000))
    while ContinuousClock.now < deadline {
      let idle = queue.withLock { waiting.isEmpty && !writerBusy }
      if idle { return true }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return queue.withLock { waiting.isEmpty && !writerBusy }
  }

  private func writerLoop() {
    while true {
      queue.lock()
      while waiting.isEmpty { queue.wait() }
      let (episode, done) = waiting.removeFirst()
      writerBusy = true
      queue.unlock()
      let before = counts.dropped
      let result: Result<Int, EpisodeRecorderError>
      do {
        try write(episode)
        result = .success(counts.dropped - before)
      } catch {
        result = .failure(error)
      }
      queue.withLock { writerBusy = false }
      done(result)
    }
  }

  /// Writes `episode` durably now, then deletes the oldest episodes past the budget.
  public func write(_ episode: Episode) throws(EpisodeRecorderError) {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    let data: Data
    do { data = try encoder.encode(episode) } catch {
      throw EpisodeRecorderError(.writeFailed, "cannot encode episode \(episode.cycleID): \(error)")
    }
    let name = episode.cycleID + Self.suffix
    let partial = directory.appendingPathComponent(episode.cycleID + Self.partialSuffix)
    let final = directory.appendingPathComponent(name)
    try Self.writeSynced(data, to: partial)
    guard rename(partial.path, final.path) == 0 else {
      throw EpisodeRecorderError(.writeFailed, "cannot rename \(partial.path) (errno \(errno))")
    }
    Self.syncDirectory(directory)
    var doomed: [String] = []
    state.withLock { state in
      state.files.append((name, Int64(data.count)))
      state.totalBytes += Int64(data.count)
      state.written += 1
      state.files.sort { $0.name < $1.name }
      while state.totalBytes > maxBytes, state.files.count > 1 {
        let oldest = state.files.removeFirst()
        state.totalBytes -= oldest.bytes
        state.dropped += 1
        state.droppedBytes += oldest.bytes
        doomed.append(oldest.name)
      }
    }
    for name in doomed { unlink(directory.appendingPathComponent(name).path) }
  }

  private static func writeSynced(_ data: Data, to url: URL) throws(EpisodeRecorderError) {
    let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw EpisodeRecorderError(.writeFailed, "cannot create \(url.path) (errno \(errno))") }
    defer { close(fd) }
    let written = data.withUnsafeBytes { buffer -> Int in
      var offset = 0
      while offset < buffer.count {
        let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          return -1
        }
        offset += n
      }
      return offset
    }
    guard written == data.count, fsync(fd) == 0 else {
      throw EpisodeRecorderError(.writeFailed, "cannot write \(url.path) (errno \(errno))")
    }
  }

  private static func syncDirectory(_ url: URL) {
    let fd = open(url.path, O_RDONLY | O_DIRECTORY)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
  }
}
