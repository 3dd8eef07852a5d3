/// 4-connected components of the pixels at or below a grey level, with their moments and boxes.
/// One pass of flood fills over a preallocated stack: no allocation per pixel.
struct DarkComponents {
  /// Per pixel: 0 = not dark, k ≥ 1 = component k − 1.
  var labels: [Int32]
  /// Per component: pixel count, Σu, Σv and bounding box (inclusive).
  var areas: [Int] = []
  var sumU: [Double] = []
  var sumV: [Double] = []
  var minU: [Int] = []
  var maxU: [Int] = []
  var minV: [Int] = []
  var maxV: [Int] = []

  init(_ pixels: UnsafeBufferPointer<UInt8>, widthPx width: Int, heightPx height: Int, maxGray: UInt8) {
    let count = width * height
    labels = [Int32](repeating: 0, count: count)
    var stack = [Int32]()
    stack.reserveCapacity(count)
    var areas: [Int] = []
    var sumU: [Double] = []
    var sumV: [Double] = []
    var minU: [Int] = []
    var maxU: [Int] = []
    var minV: [Int] = []
    var maxV: [Int] = []
    labels.withUnsafeMutableBufferPointer { label in
      for start in 0..<count where pixels[start] <= maxGray && label[start] == 0 {
        let id = Int32(areas.count + 1)
        var area = 0
        var su = 0
        var sv = 0
        var u0 = Int.max
        var u1 = Int.min
        var v0 = Int.max
        var v1 = Int.min
        label[start] = id
        stack.append(Int32(start))
        while let top = stack.popLast() {
          let i = Int(top)
          let v = i / width
          let u = i - v * width
          area += 1
          su += u
          sv += v
          u0 = min(u0, u)
          u1 = max(u1, u)
          v0 = min(v0, v)
          v1 = max(v1, v)
          if u > 0, label[i - 1] == 0, pixels[i - 1] <= maxGray {
            label[i - 1] = id
            stack.append(Int32(i - 1))
          }
          if u + 1 < width, label[i + 1] == 0, pixels[i + 1] <= maxGray {
            label[i + 1] = id
            stack.append(Int32(i + 1))
          }
          if v > 0, label[i - width] == 0, pixels[i - width] <= maxGray {
            label[i - width] = id
            stack.append(Int32(i - width))
          }
          if v + 1 < height, label[i + width] == 0, pixels[i + width] <= maxGray {
            label[i + width] = id
            stack.append(Int32(i + width))
          }
        }
        areas.append(area)
        sumU.append(Double(su))
        sumV.append(Double(sv))
        minU.append(u0)
        maxU.append(u1)
        minV.append(v0)
        maxV.append(v1)
      }
    }
    self.areas = areas
    self.sumU = sumU
    self.sumV = sumV
    self.minU = minU
    self.maxU = maxU
    self.minV = minV
    self.maxV = maxV
  }

  /// Index of the largest component, if any.
  var largest: Int? { areas.indices.max { areas[$0] < areas[$1] } }
}
