/// Cache-friendly matrix products in plain Swift, the inner loops over contiguous memory in
/// 8-wide SIMD: the whole arithmetic of the policy's forward pass (and of its training).
public enum MatrixMultiply {
  /// `c = a · b (+ bias broadcast over rows)`: a is [n × k], b is [k × m], c is [n × m].
  /// Loop order i-k-j: each row of c accumulates rows of b scaled by one element of a, four
  /// rows of c at a time.
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
          // Four rows of c at a time: each row of b is loaded once for four rows of a.
          var i = 0
          while i < n {
            let rowsHere = min(4, n - i)
            for r in 0..<rowsHere {
              let row = C + (i + r) * m
              if let bias {
                bias.withUnsafeBufferPointer { row.update(from: $0.baseAddress!, count: m) }
              } else {
                row.update(repeating: 0, count: m)
              }
            }
            if rowsHere == 4 {
              for p in 0..<k {
                axpy4(
                  A[i * k + p], A[(i + 1) * k + p], A[(i + 2) * k + p], A[(i + 3) * k + p], B + p * m,
                  C + i * m, C + (i + 1) * m, C + (i + 2) * m, C + (i + 3) * m, m)
              }
            } else {
              for r in 0..<rowsHere {
                for p in 0..<k {
                  let scale = A[(i + r) * k + p]
                  if scale != 0 { axpy(scale, B + p * m, C + (i + r) * m, m) }
                }
              }
            }
            i += rowsHere
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
          // Four rows of a and b at a time: each row of c is loaded and stored once per four.
          var i = 0
          while i + 4 <= n {
            for p in 0..<k {
              accumulate4(
                A[i * k + p], A[(i + 1) * k + p], A[(i + 2) * k + p], A[(i + 3) * k + p],
                B + i * m, B + (i + 1) * m, B + (i + 2) * m, B + (i + 3) * m, C + p * m, m)
            }
            i += 4
          }
          while i < n {
            for p in 0..<k {
              let scale = A[i * k + p]
              if scale != 0 { axpy(scale, B + i * m, C + p * m, m) }
            }
            i += 1
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

  /// `yr[0..<count] += sr · x` for four rows r sharing one x.
  @inline(__always)
  static func axpy4(
    _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float, _ x: UnsafePointer<Float>,
    _ y0: UnsafeMutablePointer<Float>, _ y1: UnsafeMutablePointer<Float>, _ y2: UnsafeMutablePointer<Float>,
    _ y3: UnsafeMutablePointer<Float>, _ count: Int
  ) {
    let v0 = SIMD8<Float>(repeating: s0)
    let v1 = SIMD8<Float>(repeating: s1)
    let v2 = SIMD8<Float>(repeating: s2)
    let v3 = SIMD8<Float>(repeating: s3)
    let xr = UnsafeRawPointer(x)
    let r0 = UnsafeMutableRawPointer(y0)
    let r1 = UnsafeMutableRawPointer(y1)
    let r2 = UnsafeMutableRawPointer(y2)
    let r3 = UnsafeMutableRawPointer(y3)
    var j = 0
    while j + 8 <= count {
      let o = j * 4
      let xv = xr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      r0.storeBytes(of: r0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + v0 * xv, toByteOffset: o, as: SIMD8<Float>.self)
      r1.storeBytes(of: r1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + v1 * xv, toByteOffset: o, as: SIMD8<Float>.self)
      r2.storeBytes(of: r2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + v2 * xv, toByteOffset: o, as: SIMD8<Float>.self)
      r3.storeBytes(of: r3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + v3 * xv, toByteOffset: o, as: SIMD8<Float>.self)
      j += 8
    }
    while j < count {
      y0[j] += s0 * x[j]
      y1[j] += s1 * x[j]
      y2[j] += s2 * x[j]
      y3[j] += s3 * x[j]
      j += 1
    }
  }

  /// `y[0..<count] += Σr sr · xr` for four rows xr accumulating into one y.
  @inline(__always)
  static func accumulate4(
    _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
    _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int
  ) {
    let v0 = SIMD8<Float>(repeating: s0)
    let v1 = SIMD8<Float>(repeating: s1)
    let v2 = SIMD8<Float>(repeating: s2)
    let v3 = SIMD8<Float>(repeating: s3)
    let a0 = UnsafeRawPointer(x0)
    let a1 = UnsafeRawPointer(x1)
    let a2 = UnsafeRawPointer(x2)
    let a3 = UnsafeRawPointer(x3)
    let yr = UnsafeMutableRawPointer(y)
    var j = 0
    while j + 8 <= count {
      let o = j * 4
      var acc = yr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      acc += v0 * a0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      acc += v1 * a1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      acc += v2 * a2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      acc += v3 * a3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      yr.storeBytes(of: acc, toByteOffset: o, as: SIMD8<Float>.self)
      j += 8
    }
    while j < count {
      y[j] += s0 * x0[j] + s1 * x1[j] + s2 * x2[j] + s3 * x3[j]
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
