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
        seed: seed, count: 3,
        inject: FaultInjection(kind: .cameraGlare, robot: 1, camera: "right_feeder", magnitude: 0.08))
    }
    var glareErrors: [Double] = []
    for s in samples {
      let e = s.estimate
      let truth = s.truthFraction(gray: 255, ringOnly: false)
      glareErrors.append(abs(e.glareFraction - truth))
      #expect(e.found)
      #expect(e.confidence.reason == .glare)
      #expect(e.confidence.confidence < 0.9)
      #expect(e.confidence.detail.hasPrefix("glare on "))
      #expect(abs(e.glareFraction - truth) < 0.03)
      if e.confidence.confidence > 0 { #expect(s.positionErrorMm < 0.5) }
      print(
        "glare: truth ROI \(truth) frame \(s.cameraFaults.glareFraction) found \(e.found) conf \(e.confidence.confidence) \(e.confidence.reason) '\(e.confidence.detail)' glare \(e.glareFraction) occl \(e.occlusionFraction) pos \(s.positionErrorMm) phase \(s.phaseErrorDeg) phaseConf \(e.splinePhaseConfidence)"
      )
    }
    print("vision glare fraction error vs truth: \(AccuracyStats(values: glareErrors))")
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
      let truth = s.truthFraction(gray: 70, ringOnly: true)
      #expect(e.found)
      #expect(e.confidence.reason == .occlusion)
      #expect(e.confidence.confidence < 0.9)
      // Past ~75 % hidden the outline fit can take the wrong arc; confidence is 0 there.
      #expect(abs(e.occlusionFraction - truth) < 0.15 || e.confidence.confidence == 0)
      if e.confidence.confidence > 0 { #expect(s.positionErrorMm < 0.5) }
      print(
        "occl: truth ring \(truth) frame \(s.cameraFaults.occlusionFraction) found \(e.found) conf \(e.confidence.confidence) \(e.confidence.reason) '\(e.confidence.detail)' glare \(e.glareFraction) occl \(e.occlusionFraction) pos \(s.positionErrorMm) phase \(s.phaseErrorDeg) phaseConf \(e.splinePhaseConfidence)"
      )
    }
  }
}
