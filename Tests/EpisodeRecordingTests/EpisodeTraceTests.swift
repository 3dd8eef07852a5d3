import Foundation
import Testing

@testable import EpisodeRecording

@Suite struct EpisodeTraceTests {
  static func trace(samples: Int) -> Episode.Trace {
    let joints = ["a", "b"]
    return Episode.Trace(
      periodMs: 20, jointNames: joints, gripperName: "g", timeS: (0..<samples).map { Float($0) * 0.02 },
      positionRad: (0..<samples * 2).map { Float($0) * 0.001 - 0.5 },
      velocityRadPerS: (0..<samples * 2).map { Float($0) * -0.01 },
      commandedPositionRad: (0..<samples * 2).map { Float($0) * 0.001 - 0.49 },
      gripperWidthM: (0..<samples).map { _ in 0.0375 }, commandedGripperWidthM: (0..<samples).map { _ in 1.5 })
  }

  @Test func aTraceRoundTripsBitForBitAsBase64Float32() throws {
    let trace = Self.trace(samples: 50)
    let data = try JSONEncoder().encode(trace)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["encoding"] as? String == "float32-le-base64" && object["samples"] as? Int == 50)
    // 100 float32 values are 400 bytes: 536 base64 characters.
    #expect((object["position_rad"] as? String)?.count == 536)
    #expect(try JSONDecoder().decode(Episode.Trace.self, from: data) == trace)
    // Little-endian on the wire whatever the host: the first value of commanded gripper width is 1.5 (0x3FC00000).
    let text = try #require(object["commanded_gripper_width_m"] as? String)
    let bytes = try #require(Data(base64Encoded: text))
    #expect(Array(bytes.prefix(4)) == [0x00, 0x00, 0xC0, 0x3F])
  }

  @Test func aTornOrForeignTraceIsRefusedNamingTheField() throws {
    var object = try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.trace(samples: 4))) as? [String: Any])
    object["samples"] = 5
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Episode.Trace.self, from: JSONSerialization.data(withJSONObject: object))
    }
    object["samples"] = 4
    object["encoding"] = "json"
    do {
      _ = try JSONDecoder().decode(Episode.Trace.self, from: JSONSerialization.data(withJSONObject: object))
      Issue.record("a foreign encoding decoded")
    } catch DecodingError.dataCorrupted(let context) {
      #expect(context.debugDescription.contains("float32-le-base64"))
    }
  }
}
