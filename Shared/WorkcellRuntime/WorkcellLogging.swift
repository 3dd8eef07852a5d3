import Logging

/// Process-wide logging set-up. swift-log allows one bootstrap per process, so every
/// executable calls this once, before any service starts.
public enum WorkcellLogging {
  /// Installs the log handler for `format` at `level`.
  public static func bootstrap(format: LogFormat, level: Logger.Level) {
    LoggingSystem.bootstrap { label in
      var handler: any LogHandler
      switch format {
      case .json: handler = JSONLogHandler(label: label)
      case .text: handler = StreamLogHandler.standardError(label: label)
      }
      handler.logLevel = level
      return handler
    }
  }
}
