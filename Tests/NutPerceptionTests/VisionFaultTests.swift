import CellWorld
import NutPerception
import Testing

@Suite("Vision under injected glare and occlusion")
struct VisionFaultTests {
  @Test("glare lowers confidence and is named with its share of the ROI")
  func glare() throws {
    var samples: [VisionTests.Sample] = []
    for seed: UInt64 in [11, 12, 13] {
      samples += try VisionTests.feederSamples(
        seed: seed, count: 3, inject: FaultInjection(kind: .cameraGlare, robot: 1, camera: "right_feeder", magnitude: 0.08))
    }
    for s in samples {
      let e = s.estimate
      print("glare: frame \(s.cameraFaults.glareFraction) found \(e.found) conf \(e.confidence.confidence) \(e.confidence.reason) '\(e.confidence.detail)' glare \(e.glareFraction) occl \(e.occlusionFraction) pos \(s.positionErrorMm) phase \(s.phaseErrorDeg) phaseConf \(e.splinePhaseConfidence)")
    }
  }

  @Test("occlusion lowers confidence and is named")
  func occlusion() throws {
    var samples: [VisionTests.Sample] = []
    for seed: UInt64 in [21, 22, 23] {
      samples += try VisionTests.feederSamples(
        seed: seed, count: 3,
        inject: FaultInjection(kind: .cameraOcclusion, robot: 1, camera: "right_feeder", magnitude: 0.15))
    }
    for s in samples {
      let e = s.estimate
      print("occl: frame \(s.cameraFaults.occlusionFraction) found \(e.found) conf \(e.confidence.confidence) \(e.confidence.reason) '\(e.confidence.detail)' glare \(e.glareFraction) occl \(e.occlusionFraction) pos \(s.positionErrorMm) phase \(s.phaseErrorDeg) phaseConf \(e.splinePhaseConfidence)")
    }
  }
}
