import Foundation
import Logging
import Synchronization
import Testing

@testable import WorkcellRuntime

@Suite("JSONLogHandler")
struct JSONLogHandlerTests {
  final class Lines: Sendable {
    let lines = Mutex<[String]>([])
  }

  @Test("writes one parseable JSON object per line with metadata, escaping what must be")
  func oneObjectPerLine() throws {
    let captured = Lines()
    var logger = Logger(label: "workcell.test") { label in
      JSONLogHandler(label: label) { line in captured.lines.withLock { $0.append(line) } }
    }
    logger[metadataKey: "cell"] = "cell-07"
    logger.info(
      "nut \"M8\" placed\nnext\ttab \u{1}",
      metadata: ["robot": "left", "attempts": .stringConvertible(2), "joints": ["a", "b"], "pose": ["x_m": "0.1"]])
    logger.debug("below the level: not written")

    let lines = captured.lines.withLock { $0 }
    #expect(lines.count == 1)
    let line = try #require(lines.first)
    #expect(line.hasSuffix("}\n"))
    #expect(!line.dropLast().contains("\n"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["msg"] as? String == "nut \"M8\" placed\nnext\ttab \u{1}")
    #expect(object["level"] as? String == "info")
    #expect(object["label"] as? String == "workcell.test")
    #expect(object["cell"] as? String == "cell-07")
    #expect(object["robot"] as? String == "left")
    #expect(object["attempts"] as? String == "2")
    #expect(object["joints"] as? [String] == ["a", "b"])
    #expect((object["pose"] as? [String: String])?["x_m"] == "0.1")
    #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
  }
}
