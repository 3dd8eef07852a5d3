@testable import CellWorld
import Testing

@Suite("Camera rendering stays inside the image")
struct CameraRenderBoundsTests {
  /// A nut anywhere around (and beyond) the image's edges, at sizes up to the render limit, paints
  /// only pixels of the image, and only pixels within its outer radius. The buffer is framed by
  /// guard bytes that must come through untouched: a run clipped by the border used to be extended
  /// past it and, at the image's first or last row, wrote over whatever lay beside the buffer.
  @Test("a nut at or beyond the image border never writes outside the image")
  func nutAtTheBorder() {
    let width = CameraView.widthPx
    let height = CameraView.heightPx
    let pixels = width * height
    let guardBytes = 4096
    let background: UInt8 = 200
    let angles = CameraView.makeAngleTable()
    let noise = [Int8](repeating: 0, count: pixels + 8192)
    var buffer = [UInt8](repeating: 0xEE, count: guardBytes + pixels + guardBytes)
    var checked = 0
    for outer in [6.0, 23.5, 61.0, 150.0] {
      let major = outer * 0.55
      let minor = outer * 0.45
      // Centres beyond, on and just inside each border, plus one mid-image.
      func around(_ size: Int) -> [Double] {
        let s = Double(size)
        return [-outer - 2, -outer / 2, -2.3, 0.4, outer / 2, s / 2, s - outer / 2, s - 0.6, s + 2.2, s + outer / 2, s + outer + 2]
      }
      for centreV in around(height) {
        for centreU in around(width) {
          for i in guardBytes..<(guardBytes + pixels) { buffer[i] = background }
          buffer.withUnsafeMutableBufferPointer { all in
            let image = UnsafeMutableBufferPointer(rebasing: all[guardBytes..<(guardBytes + pixels)])
            noise.withUnsafeBufferPointer { noise in
              angles.withUnsafeBufferPointer { angles in
                CellWorld.paintNut(
                  image, centreU: centreU, centreV: centreV, outerPx: outer, majorPx: major, minorPx: minor,
                  yawRad: 0.3, teeth: 12, noise: noise, offset: 17, angles: angles)
              }
            }
          }
          let guardsIntact =
            buffer[0..<guardBytes].allSatisfy { $0 == 0xEE }
            && buffer[(guardBytes + pixels)...].allSatisfy { $0 == 0xEE }
          #expect(guardsIntact, "nut at (\(centreU), \(centreV)) r \(outer) px wrote outside the image")
          var strays = 0
          for v in 0..<height {
            for u in 0..<width where buffer[guardBytes + v * width + u] != background {
              let du = Double(u) - centreU
              let dv = Double(v) - centreV
              if (du * du + dv * dv).squareRoot() > outer + 1 { strays += 1 }
            }
          }
          #expect(strays == 0, "nut at (\(centreU), \(centreV)) r \(outer) px painted \(strays) px outside its ring")
          checked += 1
        }
      }
    }
    #expect(checked == 4 * 11 * 11)
  }

  @Test("a nut the camera sees whole is painted as a ring with a dark rim and a lighter bore")
  func wholeNutIsARing() {
    let width = CameraView.widthPx
    let pixels = width * CameraView.heightPx
    let angles = CameraView.makeAngleTable()
    let noise = [Int8](repeating: 0, count: pixels + 8192)
    var image = [UInt8](repeating: 200, count: pixels)
    image.withUnsafeMutableBufferPointer { image in
      noise.withUnsafeBufferPointer { noise in
        angles.withUnsafeBufferPointer { angles in
          CellWorld.paintNut(
            image, centreU: 160, centreV: 120, outerPx: 30, majorPx: 18, minorPx: 15, yawRad: 0, teeth: 12,
            noise: noise, offset: 0, angles: angles)
        }
      }
    }
    #expect(image[120 * width + 160 + 25] == UInt8(CameraView.nutGray))  // in the ring
    #expect(image[120 * width + 160] == 200)  // the bore
    #expect(image[120 * width + 160 + 35] == 200)  // outside
  }
}
