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
/// - With camera images (`--episodes-video`) each camera's video is encoded first, to
///   `<cycle_id>.<role>.mp4` (same partial → fsync → rename), and the JSON written last names them:
///   an episode file on disk has its videos. They count against the budget with their episode and
///   are deleted with it. At most `maxQueuedVideoEpisodes` episodes with images wait for the
///   writer: past that `submit` blocks its caller until the encoder caught up, so memory stays
///   bounded (on simulated time the whole fleet waits, which keeps a run reproducible).
public final class EpisodeRecorder: Sendable {
  public static let suffix = ".episode.json"
  public static let partialSuffix = ".episode.json.partial"

  public let directory: URL
  public let maxBytes: Int64
  /// Encodes camera images (nil: episodes with images are written without video).
  public let videoEncoder: EpisodeVideoEncoder?
  public static let maxQueuedVideoEpisodes = 4
  public static let videoSuffix = ".mp4"
  private let state = Mutex(State())
  /// Episodes handed over with `submit`, waiting for the writer thread.
  private let queue = NSCondition()
  private nonisolated(unsafe) var waiting:
    [(Episode, EpisodeCameraImages?, @Sendable (Result<Int, EpisodeRecorderError>) -> Void)] = []
  private nonisolated(unsafe) var writerBusy = false
  private nonisolated(unsafe) var writerStarted = false
  private nonisolated(unsafe) var peakQueuedImages = 0

  private struct State {
    /// Episodes on disk, oldest first, with their sizes.
    var files: [(name: String, bytes: Int64, videos: [String])] = []
    var totalBytes: Int64 = 0
    var written = 0
    var dropped = 0
    var droppedBytes: Int64 = 0
  }

  /// Opens (creating it if needed) `directory`; what is already there counts against the budget.
  public init(directory: URL, maxBytes: Int64, videoEncoder: EpisodeVideoEncoder? = nil) throws(EpisodeRecorderError) {
    self.directory = directory
    self.maxBytes = maxBytes
    self.videoEncoder = videoEncoder
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let all = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
      let videos = all.filter { $0.hasSuffix(Self.videoSuffix) }
      func size(_ name: String) -> Int64 { Self.fileSize(directory.appendingPathComponent(name)) }
      var files: [(String, Int64, [String])] = []
      for name in all where name.hasSuffix(Self.suffix) {
        let prefix = String(name.dropLast(Self.suffix.count)) + "."
        let own = videos.filter { $0.hasPrefix(prefix) }
        files.append((name, own.reduce(size(name)) { $0 + size($1) }, own))
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

  /// The most episodes with camera images that ever waited for the writer at once (≤
  /// `maxQueuedVideoEpisodes`: `submit` waits past that).
  public var peakQueuedVideoEpisodes: Int { queue.withLock { peakQueuedImages } }

  /// Hands `episode` to the recorder's writer thread and returns at once: encoding and fsync
  /// (milliseconds each) never hold up the caller — on one simulation thread they would hold up
  /// the whole fleet. The one exception: with `images`, while `maxQueuedVideoEpisodes` episodes
  /// with images already wait, it blocks until the writer takes one. Episodes are written in the order submitted; `done` gets how many older
  /// episodes were deleted for the budget, or the error. A crash loses what is still queued (the
  /// writer keeps up: a cycle takes seconds, a write milliseconds).
  public func submit(
    _ episode: Episode, images: EpisodeCameraImages? = nil,
    done: @escaping @Sendable (Result<Int, EpisodeRecorderError>) -> Void = { _ in }
  ) {
    queue.lock()
    if images != nil {
      while writerStarted, waiting.count(where: { $0.1 != nil }) >= Self.maxQueuedVideoEpisodes { queue.wait() }
    }
    waiting.append((episode, images, done))
    peakQueuedImages = max(peakQueuedImages, waiting.count(where: { $0.1 != nil }))
    if !writerStarted {
      writerStarted = true
      let thread = Thread { [self] in self.writerLoop() }
      thread.name = "episode writer"
      thread.start()
    }
    queue.broadcast()
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
      let (episode, images, done) = waiting.removeFirst()
      writerBusy = true
      queue.broadcast()
      queue.unlock()
      let before = counts.dropped
      let result: Result<Int, EpisodeRecorderError>
      do {
        try write(episode, images: images)
        result = .success(counts.dropped - before)
      } catch {
        result = .failure(error)
      }
      queue.withLock { writerBusy = false }
      done(result)
    }
  }

  /// Writes `episode` (with its cameras' videos when `images` are given and an encoder is set)
  /// durably now, then deletes the oldest episodes past the budget.
  public func write(_ episode: Episode, images: EpisodeCameraImages? = nil) throws(EpisodeRecorderError) {
    var episode = episode
    var videoFiles: [(name: String, bytes: Int64)] = []
    if let images, let videoEncoder, !images.cameras.isEmpty {
      episode.videos = []
      for camera in images.cameras {
        let name = "\(episode.cycleID).\(camera.role)\(Self.videoSuffix)"
        let partial = directory.appendingPathComponent(name + ".partial")
        try videoEncoder.encode(
          camera.frames, widthPx: camera.widthPx, heightPx: camera.heightPx, fps: episode.replanHz, to: partial)
        try Self.syncFile(partial)
        let final = directory.appendingPathComponent(name)
        try Self.moveIntoPlace(partial, final)
        videoFiles.append((name, Self.fileSize(final)))
        episode.videos?.append(
          Episode.Video(
            role: camera.role, camera: camera.camera, file: name, widthPx: camera.widthPx, heightPx: camera.heightPx,
            frames: camera.frames.count, fps: episode.replanHz, codec: EpisodeVideoEncoder.codec,
            pixelFormat: EpisodeVideoEncoder.pixelFormat))
      }
    }
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
    try Self.moveIntoPlace(partial, final)
    // One directory sync makes this rename and the videos' renames durable.
    Self.syncDirectory(directory)
    var doomed: [String] = []
    let bytes = videoFiles.reduce(Int64(data.count)) { $0 + $1.bytes }
    state.withLock { state in
      state.files.append((name, bytes, videoFiles.map(\.name)))
      state.totalBytes += bytes
      state.written += 1
      state.files.sort { $0.name < $1.name }
      while state.totalBytes > maxBytes, state.files.count > 1 {
        let oldest = state.files.removeFirst()
        state.totalBytes -= oldest.bytes
        state.dropped += 1
        state.droppedBytes += oldest.bytes
        doomed.append(oldest.name)
        doomed += oldest.videos
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

  /// Renames a synced `.partial` file to its final name (atomic on one file system).
  private static func moveIntoPlace(_ partial: URL, _ final: URL) throws(EpisodeRecorderError) {
    guard rename(partial.path, final.path) == 0 else {
      throw EpisodeRecorderError(.writeFailed, "cannot rename \(partial.path) (errno \(errno))")
    }
  }

  private static func fileSize(_ url: URL) -> Int64 {
    let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size]
    return (size as? NSNumber)?.int64Value ?? 0
  }

  private static func syncFile(_ url: URL) throws(EpisodeRecorderError) {
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { throw EpisodeRecorderError(.writeFailed, "cannot open \(url.path) (errno \(errno))") }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw EpisodeRecorderError(.writeFailed, "cannot sync \(url.path) (errno \(errno))") }
  }

  private static func syncDirectory(_ url: URL) {
    let fd = open(url.path, O_RDONLY | O_DIRECTORY)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
  }
}
