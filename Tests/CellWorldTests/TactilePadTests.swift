import CellWorld
import Testing

@Suite("The fingertip pad model (TactilePad)")
struct TactilePadTests {
  let nut = NutModel.defaults
  let pitchM = TactileArray.pitchMm / 1000

  func pad(acrossM: Double, alongM: Double, forceN: Double) -> [Float] {
    var pad = [Float](repeating: 0, count: TactileArray.taxels)
    TactilePad.drawLineContact(acrossM: acrossM, alongM: alongM, forceN: forceN, nut: nut, into: &pad, at: 0)
    return pad
  }

  @Test("Σ p · pitch² is the grip force, and the strip sits where the nut does", arguments: [
    (0.0, 0.0, 20.0), (0.002, -0.003, 8.0), (-0.0025, 0.004, 3.0),
  ])
  func forceAndCentre(acrossM: Double, alongM: Double, forceN: Double) {
    let p = pad(acrossM: acrossM, alongM: alongM, forceN: forceN)
    let total = p.reduce(0) { $0 + Double($1) } * 1000 * pitchM * pitchM
    #expect(abs(total - forceN) < 1e-3 * forceN)
    var across = 0.0
    var along = 0.0
    var sum = 0.0
    for row in 0..<TactileArray.rows {
      for col in 0..<TactileArray.cols {
        let v = Double(p[row * TactileArray.cols + col])
        across += v * Double(col - TactileArray.cols / 2) * pitchM
        along += v * Double(row - TactileArray.rows / 2) * pitchM
        sum += v
      }
    }
    // The centroid is quantised by the taxels; it stays within a third of a pitch of the nut.
    #expect(abs(across / sum - acrossM) < pitchM / 3)
    #expect(abs(along / sum - alongM) < pitchM / 3)
  }

  @Test("a harder grip widens the Hertz strip")
  func harderGripWidens() {
    let loaded = { (p: [Float]) in p.filter { $0 > 0 }.count }
    #expect(loaded(pad(acrossM: 0, alongM: 0, forceN: 40)) > loaded(pad(acrossM: 0, alongM: 0, forceN: 3)))
  }

  @Test("a stray blob peaks where it is put; noise leaves unloaded taxels at 0 and loaded ones ≥ 0")
  func blobAndNoise() {
    var p = [Float](repeating: 0, count: 2 * TactileArray.taxels)
    TactilePad.addBlob(peakKPa: 60, row: 3, col: 7, into: &p, at: TactileArray.taxels)
    let second = Array(p[TactileArray.taxels...])
    let peak = second.indices.max { second[$0] < second[$1] }!
    #expect(peak == 3 * TactileArray.cols + 7)
    #expect(abs(second[peak] - 60) < 1e-4)
    #expect(p[..<TactileArray.taxels].allSatisfy { $0 == 0 })
    var random = WorldRandom(seed: 3)
    var noisy = pad(acrossM: 0, alongM: 0, forceN: 20)
    let clean = noisy
    TactilePad.addNoise(into: &noisy, at: 0) { random.normal() }
    #expect(zip(clean, noisy).allSatisfy { c, n in c == 0 ? n == 0 : n >= 0 })
    #expect(zip(clean, noisy).contains { $0 != $1 })
  }
}
