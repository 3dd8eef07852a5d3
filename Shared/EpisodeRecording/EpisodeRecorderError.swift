/// Why an episode could not be written or read.
public struct EpisodeRecorderError: Error, CustomStringConvertible, Sendable {
  public enum Code: String, Sendable {
    /// The episode directory cannot be created or written.
    case directoryUnusable = "directory_unusable"
    /// Writing or syncing an episode file failed (disk full, permissions).
    case writeFailed = "write_failed"
    /// Camera video was asked for but ffmpeg is missing.
    case encoderMissing = "encoder_missing"
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}
