import CellWorld
import NutPerception
import Testing

@Suite("Touch: no contact, unexpected contact, slip, bad input")
struct TactileFaultTests {
  @Test("empty fingers: no contact, zero confidence")
  func noContact() throws {
    let scenario = GraspScenario(seed: 7)
    let estimate = try scenario.tactile()
    #expect(!estimate.grasp.holding)
    #expect(estimate.confidence.reason == .noContact)
    #expect(estimate.confidence.confidence == 0)
    #expect(estimate.splinePhaseDeg == nil)
  }

  @Test("a spurious blob on a held nut's pad is flagged as unexpected contact")
  func unexpectedWhileHolding() throws {
    var flagged = 0
    for seed: UInt64 in [31, 32, 33] {
      var scenario = GraspScenario(seed: seed)
      let held = scenario.runToHeld()
      #expect(held)
      let clean = try scenario.tactile()
      #expect(!clean.unexpectedContact)
      scenario.world.inject(
        FaultInjection(kind: .unexpectedTactileContact, robot: 0, camera: TactileArray.fingers[3]))
      scenario.stepToNextTactile()
      #expect(scenario.world.tactileHasSpuriousContact(robot: 0, finger: 3))
      let estimate = try scenario.tactile()
      if estimate.unexpectedContact { flagged += 1 }
      print(
        "touch blob seed \(seed): unexplained \(estimate.fingerB.unexplainedKPa) at \(estimate.fingerB.unexplainedRow),\(estimate.fingerB.unexplainedCol) peak \(estimate.fingerB.peakKPa); clean \(clean.fingerB.unexplainedKPa)"
      )
      #expect(estimate.confidence.reason == .unexpectedContact)
      #expect(estimate.confidence.confidence < clean.confidence.confidence)
      #expect(estimate.confidence.detail.contains("finger b"))
    }
    #expect(flagged == 3)
  }

  @Test("a spurious blob on empty fingers is unexpected contact, not a grasp")
  func unexpectedWhileEmpty() throws {
    var scenario = GraspScenario(seed: 8)
    scenario.world.inject(FaultInjection(kind: .unexpectedTactileContact, robot: 0, camera: TactileArray.fingers[2]))
    scenario.stepToNextTactile()
    let estimate = try scenario.tactile()
    #expect(!estimate.grasp.holding)
    #expect(estimate.unexpectedContact)
    #expect(estimate.confidence.reason == .unexpectedContact)
  }

  /// A frame moved by `rows` along the finger and `cols` across the pad (what a sliding nut does).
  static func shifted(_ frame: TactileFrame, rows dr: Int, cols dc: Int) throws -> TactileFrame {
    var p = [Double](repeating: 0, count: frame.rows * frame.cols)
    for r in 0..<frame.rows {
      for c in 0..<frame.cols {
        let sr = r - dr
        let sc = c - dc
        guard sr >= 0, sr < frame.rows, sc >= 0, sc < frame.cols else { continue }
        p[r * frame.cols + c] = frame[sr, sc]
      }
    }
    return try TactileFrame(rows: frame.rows, cols: frame.cols, pitchMm: frame.pitchMm, pressuresKPa: p)
  }

  @Test("contact moving between frames is slip; a steady grasp is not")
  func slip() throws {
    // The world's slips last less than one 10 ms tactile frame before the pin catches or drops
    // the nut, so the motion is imposed on real frames: one row (1.6 mm) per frame = 160 mm/s.
    var scenario = GraspScenario(seed: 41)
    let held = scenario.runToHeld()
    #expect(held)
    let first = try scenario.tactile()
    scenario.stepToNextTactile()
    let steady = try scenario.tactile(previous: first)
    #expect(!steady.grasp.slipping)
    #expect(steady.centroidSpeedMmPerS < 2)
    let (a, b) = try scenario.fingers()
    let moved = try scenario.sensor.estimate(
      fingerA: Self.shifted(a, rows: 1, cols: 0), fingerB: Self.shifted(b, rows: 1, cols: 0), previous: steady,
      intervalS: 0.01)
    #expect(moved.grasp.slipping)
    #expect(abs(moved.centroidSpeedMmPerS - 160) < 30)
    #expect(!moved.grasp.seated)
  }

  @Test("wrong buffer sizes and mismatched fingers are typed errors")
  func badInput() throws {
    #expect(throws: PerceptionError.self) { try TactileFrame(rows: 11, cols: 9, pitchMm: 1.6, pressuresKPa: [0, 1]) }
    do {
      _ = try TactileFrame(rows: 11, cols: 9, pitchMm: 1.6, pressuresKPa: [Double](repeating: 0, count: 98))
      Issue.record("expected a bufferSizeMismatch")
    } catch {
      #expect(error.code == .bufferSizeMismatch)
    }
    let a = try TactileFrame(rows: 11, cols: 9, pitchMm: 1.6, pressuresKPa: [Double](repeating: 0, count: 99))
    let b = try TactileFrame(rows: 9, cols: 11, pitchMm: 1.6, pressuresKPa: [Double](repeating: 0, count: 99))
    do {
      _ = try TactileGraspSensor().estimate(fingerA: a, fingerB: b)
      Issue.record("expected inconsistentInputs")
    } catch {
      #expect(error.code == .inconsistentInputs)
    }
    do {
      _ = try GrayImage(widthPx: 320, heightPx: 240, pixels: [UInt8](repeating: 0, count: 320 * 239))
      Issue.record("expected a bufferSizeMismatch")
    } catch {
      #expect(error.code == .bufferSizeMismatch)
    }
    let image = try GrayImage(widthPx: 4, heightPx: 4, pixels: [UInt8](repeating: 200, count: 16))
    do {
      _ = try NutVision().estimate(image, camera: CameraModel(fxPx: 0, fyPx: 600, cxPx: 2, cyPx: 2))
      Issue.record("expected invalidParameter")
    } catch {
      #expect(error.code == .invalidParameter)
    }
    // A tiny blank image is not an error: nothing found, out of view.
    let blank = try NutVision().estimate(image, camera: CameraModel(fxPx: 600, fyPx: 600, cxPx: 2, cyPx: 2))
    #expect(!blank.found && blank.confidence.reason == .outOfView)
  }
}
