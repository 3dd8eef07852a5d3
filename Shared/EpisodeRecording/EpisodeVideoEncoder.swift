import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Encodes one camera's grey images as an MP4 video with ffmpeg (H.264, yuv420p, a key frame
/// every 2 frames as LeRobot encodes for random access; docs/episodes.md).
///
/// ffmpeg runs as a child process reading raw frames on its standard input; a run has a deadline
/// (`timeoutS` of wall time) after which it is killed and the encode fails.
public struct EpisodeVideoEncoder: Sendable {
  public static let codec = "h264"
  public static let pixelFormat = "yuv420p"

  /// The ffmpeg executable.
  public let ffmpegPath: String
  /// Wall-time limit of one encode.
  public let timeoutS: Double

  public init(ffmpegPath: String, timeoutS: Double = 120) {
    self.ffmpegPath = ffmpegPath
    self.timeoutS = timeoutS
  }

  /// ffmpeg from `$WORKCELL_FFMPEG`, else the first `ffmpeg` on `$PATH`; an error that says how
  /// to install it otherwise.
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(EpisodeRecorderError) -> EpisodeVideoEncoder {
    if let path = environment["WORKCELL_FFMPEG"], !path.isEmpty {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw EpisodeRecorderError(.encoderMissing, "WORKCELL_FFMPEG=\(path) is not an executable file.")
      }
      return EpisodeVideoEncoder(ffmpegPath: path)
    }
    let path = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let path = "\(directory)/ffmpeg"
      if FileManager.default.isExecutableFile(atPath: path) { return EpisodeVideoEncoder(ffmpegPath: path) }
    }
    throw EpisodeRecorderError(
      .encoderMissing,
      "camera video needs ffmpeg, which is not on PATH: install it (Debian: apt-get install ffmpeg) "
        + "or name it with WORKCELL_FFMPEG.")
  }

  /// Writes `frames` (each `widthPx × heightPx` grey levels) as an MP4 at `fps` to `url`.
  public func encode(
    _ frames: [Data], widthPx: Int, heightPx: Int, fps: Double, to url: URL
  ) throws(EpisodeRecorderError) {
    guard !frames.isEmpty, widthPx > 0, heightPx > 0, widthPx % 2 == 0, heightPx % 2 == 0, fps > 0 else {
      throw EpisodeRecorderError(
        .writeFailed, "cannot encode \(frames.count) frames of \(widthPx)×\(heightPx) px at \(fps) fps "
          + "(yuv420p needs even sizes)")
    }
    // A child that dies early must turn the next write into an error, not kill this process.
    signal(SIGPIPE, SIG_IGN)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ffmpegPath)
    process.arguments = [
      "-hide_banner", "-loglevel", "error", "-threads", "1",
      "-f", "rawvideo", "-pix_fmt", "gray", "-s", "\(widthPx)x\(heightPx)", "-r", "\(fps)", "-i", "pipe:0",
      "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "2", "-pix_fmt", Self.pixelFormat,
      "-threads", "1", "-f", "mp4", "-y", url.path,
    ]
    let input = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    do { try process.run() } catch {
      throw EpisodeRecorderError(.writeFailed, "cannot run \(ffmpegPath): \(error)")
    }
    var writeError: String?
    do {
      for frame in frames { try input.fileHandleForWriting.write(contentsOf: frame) }
    } catch {
      writeError = "\(error)"
    }
    try? input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeoutS)
    while process.isRunning, Date() < deadline { usleep(2_000) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      throw EpisodeRecorderError(.writeFailed, "ffmpeg did not finish \(url.lastPathComponent) within \(Int(timeoutS)) s")
    }
    process.waitUntilExit()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, writeError == nil else {
      throw EpisodeRecorderError(
        .writeFailed,
        "ffmpeg failed on \(url.lastPathComponent) (exit \(process.terminationStatus)): "
          + (stderr.isEmpty ? writeError ?? "no message" : stderr))
    }
  }
}
