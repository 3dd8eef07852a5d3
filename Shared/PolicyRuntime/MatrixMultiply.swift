/// Cache-friendly matrix products in plain Swift, the inner loops over contiguous memory in
/// 8-wide SIMD: the whole arithmetic of the policy's forward pass (and of its training).
public enum MatrixMultiply {
  /// `c = a · b (+ bias broadcast over rows)`: a is [n × k], b is [k × m], c is [n × m].
  /// Loop order i-k-j: each row of c accumulates rows of b scaled by one element of a.
  public static func multiply(_ a: Matrix, _ b: Matrix, bias: [Float]? = nil, into c: inout Matrix) {
    precondition(a.columns == b.rows && c.rows == a.rows && c.columns == b.columns, "multiply: shape mismatch")
    precondition(bias == nil || bias!.count == b.columns, "multiply: bias size mismatch")
    let n = a.rows
    let k = a.columns
    let m = b.columns
    a.values.withUnsafeBufferPointer { ap in
      b.values.withUnsafeBufferPointer { bp in
        c.values.withUnsafeMutableBufferPointer { cp in
          let A = ap.baseAddress!
          let B = bp.baseAddress!
          let C = cp.baseAddress!
          for i in 0..<n {
            let row = C + i * m
            if let bias {
              bias.withUnsafeBufferPointer { biasPointer in row.update(from: biasPointer.baseAddress!, count: m) }
            } else {
              row.update(repeating: 0, count: m)
            }
            var p = 0
            while p < k {
              let scale = A[i * k + p]
              if scale != 0 { axpy(scale, B + p * m, row, m) }
              p += 1
            }
          }
        }
      }
    }
  }

  /// `c = aᵀ · b` (c overwritten, or accumulated into when `accumulate`): a is [n × k], b is
  /// [n × m], c is [k × m]. The weight gradient of a dense layer (inputsᵀ · output gradients).
  public static func multiplyTransposedA(_ a: Matrix, _ b: Matrix, into c: inout Matrix, accumulate: Bool = false) {
    precondition(a.rows == b.rows && c.rows == a.columns && c.columns == b.columns, "multiplyTransposedA: shape mismatch")
    let n = a.rows
    let k = a.columns
    let m = b.columns
    if !accumulate { c.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    a.values.withUnsafeBufferPointer { ap in
      b.values.withUnsafeBufferPointer { bp in
        c.values.withUnsafeMutableBufferPointer { cp in
          let A = ap.baseAddress!
          let B = bp.baseAddress!
          let C = cp.baseAddress!
          for i in 0..<n {
            for p in 0..<k {
              let scale = A[i * k + p]
              if scale != 0 { axpy(scale, B + i * m, C + p * m, m) }
            }
          }
        }
      }
    }
  }

  /// `c = a · bᵀ`: a is [n × m], b is [k × m], c is [n × k]. The input gradient of a dense
  /// layer (output gradients · weightsᵀ): dot products of contiguous rows.
  public static func multiplyTransposedB(_ a: Matrix, _ b: Matrix, into c: inout Matrix) {
    precondition(a.columns == b.columns && c.rows == a.rows && c.columns == b.rows, "multiplyTransposedB: shape mismatch")
    let n = a.rows
    let m = a.columns
    let k = b.rows
    a.values.withUnsafeBufferPointer { ap in
      b.values.withUnsafeBufferPointer { bp in
        c.values.withUnsafeMutableBufferPointer { cp in
          for i in 0..<n {
            for p in 0..<k {
              cp[i * k + p] = dot(ap.baseAddress! + i * m, bp.baseAddress! + p * m, m)
            }
          }
        }
      }
    }
  }

  /// `y[0..<count] += scale · x[0..<count]`.
  @inline(__always)
  static func axpy(_ scale: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    var j = 0
    let s = SIMD8<Float>(repeating: scale)
    let xr = UnsafeRawPointer(x)
    let yr = UnsafeMutableRawPointer(y)
    while j + 8 <= count {
      let xv = xr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
      let yv = yr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
      yr.storeBytes(of: yv + s * xv, toByteOffset: j * 4, as: SIMD8<Float>.self)
      j += 8
    }
    while j < count {
      y[j] += scale * x[j]
      j += 1
    }
  }

  /// `Σ x[i] · y[i]` over `count` elements.
  @inline(__always)
  static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum = SIMD8<Float>(repeating: 0)
    var j = 0
    let xr = UnsafeRawPointer(x)
    let yr = UnsafeRawPointer(y)
    while j + 8 <= count {
      sum += xr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
        * yr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
      j += 8
    }
    var total = sum.sum()
    while j < count {
      total += x[j] * y[j]
      j += 1
    }
    return total
  }
}
