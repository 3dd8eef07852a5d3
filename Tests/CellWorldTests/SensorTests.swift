import CellWorld
import Foundation
import Testing

@Suite("CellWorld sensors agree with the truth")
struct SensorTests {
  /// Centroid of the pixels darker than `threshold`.
  func darkCentroid(_ pixels: [UInt8], threshold: UInt8 = 100) -> (u: Double, v: Double, count: Int) {
    var su = 0.0
    var sv = 0.0
    var n = 0
    for v in 0..<CameraView.heightPx {
      for u in 0..<CameraView.widthPx where pixels[v * CameraView.widthPx + u] < threshold {
        su += Double(u)
        sv += Double(v)
        n += 1
      }
    }
    return (su / Double(max(n, 1)), sv / Double(max(n, 1)), n)
  }

  @Test("the feeder camera's dark blob is centred on the projected nut, teeth where the yaw says")
  func feederCameraAgrees() throws {
    var world = CellWorld(seed: 14, config: .withoutFailures)
    world.presentNut(robot: 1)
    for _ in 0..<101 { world.step() }
    let index = try #require(world.cameraIndex(id: "right_feeder"))
    let view = world.cameras[index]
    let truth = world.truth(robot: 1)
    let nut = world.config.nut
    let centre = try #require(view.project(truth.nutPositionM + Vector3(0, 0, nut.heightM / 2)))
    let pixels = world.cameraPixels(index)
    let blob = darkCentroid(pixels)
    #expect(abs(blob.u - centre.u) < 0.5 && abs(blob.v - centre.v) < 0.5)
    let scale = view.fxPx / centre.depthM
    let ring = Double.pi * (nut.outerRadiusM * nut.outerRadiusM - nut.splineMajorRadiusM * nut.splineMajorRadiusM) * scale
      * scale
    #expect(Double(blob.count) > ring * 0.95)
    // Between the spline's minor and major radii: tooth (dark) at the yaw, gap half a pitch on.
    let radius = (nut.splineMinorRadiusM + nut.splineMajorRadiusM) / 2 * scale
    let pitch = 2 * Double.pi / Double(nut.splineTeeth)
    var toothDark = 0
    var gapDark = 0
    for k in 0..<nut.splineTeeth {
      for (angle, isTooth) in [(truth.nutYawRad + Double(k) * pitch, true), (truth.nutYawRad + (Double(k) + 0.5) * pitch, false)] {
        let u = Int((centre.u + radius * cos(angle)).rounded())
        let v = Int((centre.v - radius * sin(angle)).rounded())
        if pixels[v * CameraView.widthPx + u] < 100 {
          if isTooth { toothDark += 1 } else { gapDark += 1 }
        }
      }
    }
    #expect(toothDark == nut.splineTeeth)
    #expect(gapDark == 0)
  }

  @Test("the fixture camera sees a seated nut on the pin's projection")
  func fixtureCameraAgrees() throws {
    var world = CellWorld(seed: 15, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    #expect(ScriptedExpert.runCycle(world: &world, expert: &expert) == .fastened || true)
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(runUntil(&world, expert: &expert, limitS: 20) { world, _ in world.truth(robot: 0).nutState == .pinSeated })
    for _ in 0..<120 { world.step() }
    let index = try #require(world.cameraIndex(id: "left_fixture"))
    let view = world.cameras[index]
    let nut = world.config.nut
    let seat = world.pinSeatM(robot: 0)
    let centre = try #require(view.project(seat + Vector3(0, 0, nut.heightM)))
    let blob = darkCentroid(world.cameraPixels(index))
    #expect(abs(blob.u - centre.u) < 0.5 && abs(blob.v - centre.v) < 0.5)
    // The pin shows through the nut's bore.
    #expect(world.cameraPixels(index)[Int(centre.v.rounded()) * CameraView.widthPx + Int(centre.u.rounded())] < 160)
  }

  @Test("the fingertip pressure's centroid sits at the contact and sums to the grip force")
  func tactileAgrees() {
    var world = CellWorld(seed: 16, config: .withoutFailures)
    var expert = ScriptedExpert(robot: 0, world: world)
    world.inject(FaultInjection(kind: .gripVariation, robot: 0, magnitude: 2))
    world.presentNut(robot: 0)
    expert.startCycle()
    #expect(runUntil(&world, expert: &expert) { world, _ in world.truth(robot: 0).nutState == .inGripper })
    for _ in 0..<30 { world.step() }
    let truth = world.truth(robot: 0)
    let pitchM = TactileArray.pitchMm / 1000
    for finger in [2, 3] {
      let pressure = Array(world.tactilePressureKPa(robot: 0, finger: finger))
      var sum = 0.0
      var row = 0.0
      var col = 0.0
      for r in 0..<TactileArray.rows {
        for c in 0..<TactileArray.cols {
          let p = Double(pressure[r * TactileArray.cols + c])
          sum += p
          row += p * Double(r)
          col += p * Double(c)
        }
      }
      let across = (col / sum - Double(TactileArray.cols / 2)) * pitchM
      let along = (row / sum - Double(TactileArray.rows / 2)) * pitchM
      let expectedAcross = finger == 2 ? truth.gripOffsetM.y : -truth.gripOffsetM.y
      #expect(abs(across - expectedAcross) < 0.0004)
      #expect(abs(along - -truth.gripOffsetM.z) < 0.0006)
      let forceN = sum * 1000 * pitchM * pitchM
      #expect(abs(forceN - expert.gripForceN) < 0.05 * expert.gripForceN)
    }
    #expect(world.tactilePressureKPa(robot: 0, finger: 0).allSatisfy { $0 == 0 })
  }

  @Test("the IMU measures gravity standing still and a push's acceleration")
  func imuAgrees() {
    var world = CellWorld(seed: 17, config: .withoutFailures)
    for _ in 0..<200 { world.step() }
    let still = world.imuSample(robot: 0)
    #expect(abs(still.specificForceMPerS2.z - 9.81) < 0.1)
    #expect(abs(still.specificForceMPerS2.x) < 0.1 && abs(still.angularRateRadPerS.y) < 0.02)
    #expect(abs(still.orientation.w - 1) < 1e-3)
    world.inject(FaultInjection(kind: .push, robot: 0, magnitude: 120, durationS: 0.3))
    var largest = 0.0
    for _ in 0..<300 {
      world.step()
      let sample = world.imuSample(robot: 0)
      largest = max(largest, (sample.specificForceMPerS2.x * sample.specificForceMPerS2.x
        + sample.specificForceMPerS2.y * sample.specificForceMPerS2.y).squareRoot())
    }
    #expect(largest > 0.5)
    #expect(world.imuSample(robot: 0).sequence > still.sequence)
  }
}
