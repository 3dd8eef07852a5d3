import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to stderr, for log collectors
/// (Loki, Elastic, journald): `{"ts":…,"level":…,"label":…,"msg":…, <metadata>…}`.
public struct JSONLogHandler: LogHandler {
  public var logLevel: Logger.Level = .info
  public var metadata: Logger.Metadata = [:]
  public var metadataProvider: Logger.MetadataProvider?
  private let label: String
  private let sink: @Sendable (String) -> Void

  /// A handler writing to stderr.
  public init(label: String) {
    self.init(label: label, sink: { line in JSONLogHandler.writeToStandardError(line) })
  }

  /// A handler writing each finished line to `sink` (tests capture lines this way).
  public init(label: String, sink: @escaping @Sendable (String) -> Void) {
    self.label = label
    self.sink = sink
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var merged = metadata
    if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
    if let extra = event.metadata { merged.merge(extra) { _, new in new } }

    var line = "{\"ts\":"
    JSONLogHandler.appendString(Self.timestamp(), to: &line)
    line += ",\"level\":"
    JSONLogHandler.appendString(event.level.rawValue, to: &line)
    line += ",\"label\":"
    JSONLogHandler.appendString(label, to: &line)
    line += ",\"msg\":"
    JSONLogHandler.appendString(event.message.description, to: &line)
    for key in merged.keys.sorted() where !["ts", "level", "label", "msg"].contains(key) {
      line += ","
      JSONLogHandler.appendString(key, to: &line)
      line += ":"
      JSONLogHandler.appendValue(merged[key]!, to: &line)
    }
    if event.level >= .error {
      line += ",\"source\":"
      JSONLogHandler.appendString("\(event.file):\(event.line)", to: &line)
    }
    line += "}\n"
    sink(line)
  }

  static func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
    switch value {
    case .string(let string):
      appendString(string, to: &line)
    case .stringConvertible(let convertible):
      appendString(convertible.description, to: &line)
    case .array(let values):
      line += "["
      for (index, element) in values.enumerated() {
        if index > 0 { line += "," }
        appendValue(element, to: &line)
      }
      line += "]"
    case .dictionary(let dictionary):
      line += "{"
      for (index, key) in dictionary.keys.sorted().enumerated() {
        if index > 0 { line += "," }
        appendString(key, to: &line)
        line += ":"
        appendValue(dictionary[key]!, to: &line)
      }
      line += "}"
    }
  }

  /// Appends `string` as a JSON string literal (RFC 8259 escaping).
  static func appendString(_ string: String, to line: inout String) {
    line += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": line += "\\\""
      case "\\": line += "\\\\"
      case "\n": line += "\\n"
      case "\r": line += "\\r"
      case "\t": line += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default:
        line.unicodeScalars.append(scalar)
      }
    }
    line += "\""
  }

  private static func timestamp() -> String {
    Date.now.formatted(
      .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
  }

  private static func writeToStandardError(_ line: String) {
    // One write(2) per line: lines from concurrent tasks do not interleave.
    var line = line
    line.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
        if written <= 0 { return }
        offset += written
      }
    }
  }
}
