import CellWorld
import NutPerception

/// One simulated grasp for the tactile dataset: where the nut sits on the pads, how hard the
/// fingers press, which pads carry a stray contact — drawn from a seeded source — and the two
/// frames the world's pad model (``TactilePad``) renders for it. The draws cover what the cell
/// meets and more (docs/perception.md, "Learned tactile refinement"):
/// - across the pads: half nominal grasps N(0, 0.2 mm) as the world picks, half uniform over
///   ±4 mm (grip variation's ±3 mm, slips, the pads' holdable band);
/// - along the fingers: uniform over ±5 mm (where the fingers close on the nut);
/// - grip force: uniform 3–40 N (closing, holding at the planner's 20 N, squeezing);
/// - a stray contact on each pad with probability 0.1 (the world's rate is 0.02 per frame), its
///   peak uniform 20–120 kPa (the world's default is 60), anywhere on the pad;
/// - the skin's noise, σ 0.3 kPa on loaded taxels.
struct TactileGraspDraw {
  /// The nut's true centre on the pads, mm (across = finger a's columns, along = towards the palm).
  var acrossMm: Double, alongMm: Double
  var forceN: Double
  /// Pads carrying a stray contact (0, 1 or 2).
  var spuriousPads: Int
  var fingerA: TactileFrame, fingerB: TactileFrame

  static let spuriousChance = 0.1

  /// Draws one grasp from `random`.
  static func draw(_ random: inout WorldRandom, nut: NutModel = .defaults) -> TactileGraspDraw {
    let acrossM =
      random.chance(0.5) ? nut.gripOffsetSigmaM * random.normal() : random.uniform(-0.004, 0.004)
    let alongM = random.uniform(-0.005, 0.005)
    let forceN = random.uniform(3, 40)
    var pads = [Float](repeating: 0, count: 2 * TactileArray.taxels)
    var spurious = 0
    for finger in 0..<2 {
      let start = finger * TactileArray.taxels
      TactilePad.drawLineContact(
        acrossM: finger == 0 ? acrossM : -acrossM, alongM: alongM, forceN: forceN, nut: nut, into: &pads, at: start)
      if random.chance(spuriousChance) {
        spurious += 1
        let peak = random.uniform(20, 120)
        let row = random.uniform(0, Double(TactileArray.rows - 1))
        let col = random.uniform(0, Double(TactileArray.cols - 1))
        TactilePad.addBlob(peakKPa: peak, row: row, col: col, into: &pads, at: start)
      }
      TactilePad.addNoise(into: &pads, at: start) { random.normal() }
    }
    func frame(_ finger: Int) -> TactileFrame {
      let values = pads[(finger * TactileArray.taxels)..<((finger + 1) * TactileArray.taxels)].map(Double.init)
      // The shape is the world's own: it cannot be refused.
      return try! TactileFrame(rows: TactileArray.rows, cols: TactileArray.cols, pitchMm: TactileArray.pitchMm, pressuresKPa: values)
    }
    return TactileGraspDraw(
      acrossMm: acrossM * 1000, alongMm: alongM * 1000, forceN: forceN, spuriousPads: spurious, fingerA: frame(0),
      fingerB: frame(1))
  }
}
