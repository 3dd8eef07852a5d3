import CellWorld
import NutPerception
import Testing

@Suite("Vision: nut pose, spline phase, glare and occlusion from camera frames")
struct VisionTests {
  struct Sample {
    var estimate: VisionEstimate
    var positionErrorMm: Double
    var phaseErrorDeg: Double
    var truthCentreU: Double
    var truthCentreV: Double
    var cameraFaults: CameraFaults
  }

  /// Presents `count` nuts at the feeder of robot 1 and measures each in the next frame.
  static func feederSamples(seed: UInt64, count: Int, inject: FaultInjection? = nil) throws -> [Sample] {
    var world = CellWorld(seed: seed, config: .withoutFailures)
    let index = try #require(world.cameraIndex(id: "right_feeder"))
    let view = world.cameras[index]
    let geometry = WorldFrames.geometry(world.config.nut)
    let vision = NutVision(geometry: geometry)
    var samples: [Sample] = []
    for _ in 0..<count {
      world.presentNut(robot: 1)
      if let inject { world.inject(inject) }
      WorldFrames.stepToNextFrame(&world, camera: index)
      let estimate = try vision.estimate(WorldFrames.image(world, camera: index), camera: WorldFrames.camera(view))
      let truth = world.truth(robot: 1)
      let centre = try #require(view.project(truth.nutPositionM + Vector3(0, 0, world.config.nut.heightM / 2)))
      let position = estimate.pose?.positionM ?? .zero
      let d = position - truth.nutPositionM
      let phase = estimate.splinePhaseDeg ?? .nan
      samples.append(
        Sample(
          estimate: estimate, positionErrorMm: (d * d).sum().squareRoot() * 1000,
          phaseErrorDeg: abs(geometry.wrapPhaseDeg(phase - truth.splinePhaseErrorDeg)), truthCentreU: centre.u,
          truthCentreV: centre.v, cameraFaults: world.cameraFaults(index)))
    }
    return samples
  }

  @Test("clean feeder frames: position and phase within bounds (printed)")
  func cleanAccuracy() throws {
    var samples: [Sample] = []
    for seed: UInt64 in [1, 2, 3, 4] { samples += try Self.feederSamples(seed: seed, count: 3) }
    let position = AccuracyStats(values: samples.map(\.positionErrorMm))
    let phase = AccuracyStats(values: samples.map(\.phaseErrorDeg))
    let pixel = AccuracyStats(
      values: samples.map {
        (($0.estimate.centreUPx - $0.truthCentreU) * ($0.estimate.centreUPx - $0.truthCentreU)
          + ($0.estimate.centreVPx - $0.truthCentreV) * ($0.estimate.centreVPx - $0.truthCentreV)).squareRoot()
      })
    print("vision accuracy (clean feeder frames): position error mm \(position); phase error deg \(phase); centre px \(pixel)")
    for s in samples {
      #expect(s.estimate.found)
      #expect(s.estimate.confidence.confidence > 0.9)
      #expect(s.estimate.confidence.reason == .none)
    }
  }
}
