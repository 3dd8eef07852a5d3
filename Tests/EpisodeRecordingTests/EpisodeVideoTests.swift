import Foundation
import Testing

@testable import EpisodeRecording

/// Camera images kept one per frame, and their videos written (with ffmpeg) beside the episode,
/// counted against the budget and deleted with it (docs/episodes.md).
@Suite struct EpisodeVideoTests {
  static func image(_ role: String, level: UInt8, width: Int = 32, height: Int = 24) -> EpisodeCameraImages.Image {
    // A bright square on a level background, moving with the level: frames differ.
    var pixels = [UInt8](repeating: level, count: width * height)
    let x0 = Int(level) % (width - 8)
    for y in 2..<6 { for x in x0..<(x0 + 8) { pixels[y * width + x] = 250 } }
    return .init(role: role, camera: "left_\(role)", widthPx: width, heightPx: height, gray8: Data(pixels))
  }

  @Test func oneImagePerFrameWhateverArrives() {
    var images = EpisodeCameraImages()
    images.add([Self.image("feeder", level: 10)])
    // The fixture camera appears at frame 1: it shows its first image for frame 0 too.
    images.add([Self.image("feeder", level: 20), Self.image("fixture", level: 30)])
    // No new images: both repeat their last one.
    images.add([])
    // A wrong size is replaced by the camera's last image.
    images.add([Self.image("feeder", level: 40, width: 16, height: 12), Self.image("fixture", level: 50)])
    #expect(images.frameCount == 4)
    #expect(images.replaced == 1)
    #expect(images.cameras.map(\.role) == ["feeder", "fixture"])
    let feeder = images.cameras[0].frames.map { $0[0] }
    let fixture = images.cameras[1].frames.map { $0[0] }
    #expect(feeder == [10, 20, 20, 20])
    #expect(fixture == [30, 30, 30, 50])
    #expect(images.bytes == 2 * 4 * 32 * 24)
  }

  @Test func videosBesideTheEpisodeWithinTheBudget() throws {
    let encoder = try EpisodeVideoEncoder.locate()
    let dir = EpisodeRecorderTests.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let recorder = try EpisodeRecorder(directory: dir, maxBytes: 1_000_000_000, videoEncoder: encoder)
    let id = "0190a3b4-0000-7000-8000-000000000001"
    let episode = EpisodeRecorderTests.episode(id, frames: 6)
    var images = EpisodeCameraImages()
    for frame in 0..<6 {
      images.add([Self.image("feeder", level: UInt8(20 * frame)), Self.image("fixture", level: UInt8(10 + frame))])
    }
    try recorder.write(episode, images: images)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(names == ["\(id).episode.json", "\(id).feeder.mp4", "\(id).fixture.mp4"])
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    let read = try decoder.decode(Episode.self, from: Data(contentsOf: dir.appendingPathComponent("\(id).episode.json")))
    #expect(read.videos?.map(\.file) == ["\(id).feeder.mp4", "\(id).fixture.mp4"])
    #expect(read.videos?.allSatisfy { $0.frames == 6 && $0.widthPx == 32 && $0.heightPx == 24 && $0.fps == 10 } == true)
    // ffmpeg reads back six frames of the right size.
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: encoder.ffmpegPath)
    probe.arguments = [
      "-v", "error", "-i", dir.appendingPathComponent("\(id).feeder.mp4").path, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1",
    ]
    let out = Pipe()
    probe.standardOutput = out
    try probe.run()
    let decoded = out.fileHandleForReading.readDataToEndOfFile()
    probe.waitUntilExit()
    #expect(decoded.count == 6 * 32 * 24)
    // The bytes on disk count: videos included; reopening finds them with their episode.
    let onDisk = try names.reduce(Int64(0)) {
      $0 + ((try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent($1).path)[.size] as? NSNumber)?.int64Value ?? 0)
    }
    #expect(recorder.counts.bytesOnDisk == onDisk)
    let reopened = try EpisodeRecorder(directory: dir, maxBytes: onDisk + onDisk / 2, videoEncoder: encoder)
    #expect(reopened.counts.bytesOnDisk == onDisk)
    // A second episode overflows the budget: the first goes, videos and all.
    let second = "0190a3b4-0000-7000-8000-000000000002"
    try reopened.write(EpisodeRecorderTests.episode(second, frames: 6), images: images)
    #expect(reopened.counts.dropped == 1)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(left == ["\(second).episode.json", "\(second).feeder.mp4", "\(second).fixture.mp4"])
  }

  @Test func aMissingEncoderIsAClearError() {
    #expect(throws: EpisodeRecorderError.self) {
      try EpisodeVideoEncoder.locate(environment: ["WORKCELL_FFMPEG": "/nonexistent/ffmpeg"])
    }
    do {
      _ = try EpisodeVideoEncoder.locate(environment: ["PATH": "/nonexistent"])
      Issue.record("found an ffmpeg in /nonexistent")
    } catch {
      #expect(error.code == .encoderMissing)
      #expect(error.message.contains("apt-get install ffmpeg"))
    }
  }

  @Test func submitWaitsForTheEncoderAndKeepsOrder() async throws {
    let encoder = try EpisodeVideoEncoder.locate()
    let dir = EpisodeRecorderTests.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let recorder = try EpisodeRecorder(directory: dir, maxBytes: 1_000_000_000, videoEncoder: encoder)
    var images = EpisodeCameraImages()
    for frame in 0..<4 { images.add([Self.image("feeder", level: UInt8(frame * 30))]) }
    let ids = (1...(EpisodeRecorder.maxQueuedVideoEpisodes * 2 + 1)).map { String(format: "0190a3b4-0000-7000-8000-%012d", $0) }
    for id in ids { recorder.submit(EpisodeRecorderTests.episode(id, frames: 4), images: images) }
    #expect(await recorder.drain(timeoutS: 60))
    #expect(recorder.counts.written == ids.count)
    // Submitting nine at once never queued more than the bound: submit waited for the encoder.
    #expect(recorder.peakQueuedVideoEpisodes == EpisodeRecorder.maxQueuedVideoEpisodes)
    let videos = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".mp4") }.sorted()
    #expect(videos == ids.map { "\($0).feeder.mp4" })
  }
}
