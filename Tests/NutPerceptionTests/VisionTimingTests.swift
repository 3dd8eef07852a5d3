import CellWorld
import NutPerception
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Vision cost per frame")
struct VisionTimingTests {
  @Test("one 320×240 frame: time printed (debug builds are ~10–30× slower than release)")
  func timing() throws {
    var world = CellWorld(seed: 71, config: .withoutFailures)
    let index = try #require(world.cameraIndex(id: "right_feeder"))
    world.presentNut(robot: 1)
    WorldFrames.stepToNextFrame(&world, camera: index)
    let image = try WorldFrames.image(world, camera: index)
    let camera = WorldFrames.camera(world.cameras[index])
    let vision = NutVision(geometry: WorldFrames.geometry(world.config.nut))
    var start = timespec()
    var end = timespec()
    let runs = 5
    clock_gettime(CLOCK_MONOTONIC, &start)
    for _ in 0..<runs { _ = try vision.estimate(image, camera: camera) }
    clock_gettime(CLOCK_MONOTONIC, &end)
    let ms = (Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) / 1e6) / Double(runs)
    print("vision: \(ms) ms per 320×240 frame (this build)")
    #expect(ms < 200)
  }
}
