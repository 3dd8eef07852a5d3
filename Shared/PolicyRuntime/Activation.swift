#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The nonlinearity between dense layers (never after the last one).
public enum Activation: String, Sendable, Hashable, CaseIterable {
  /// max(0, x).
  case relu
  /// Gaussian error linear unit, tanh approximation: 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))).
  case gelu
  /// Hyperbolic tangent.
  case tanh

  /// The activation of one value.
  @inline(__always) public func apply(_ x: Float) -> Float {
    switch self {
    case .relu: return max(x, 0)
    case .gelu:
      let u = 0.7978845608 * (x + 0.044715 * x * x * x)
      return 0.5 * x * (1 + Glibc_tanhf(u))
    case .tanh: return Glibc_tanhf(x)
    }
  }

  /// The derivative at pre-activation `x` (for training).
  @inline(__always) public func derivative(_ x: Float) -> Float {
    switch self {
    case .relu: return x > 0 ? 1 : 0
    case .gelu:
      let u = 0.7978845608 * (x + 0.044715 * x * x * x)
      let t = Glibc_tanhf(u)
      let du = 0.7978845608 * (1 + 3 * 0.044715 * x * x)
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    case .tanh:
      let t = Glibc_tanhf(x)
      return 1 - t * t
    }
  }

  /// Applies the activation to every element in place.
  public func apply(inPlace m: inout Matrix) {
    m.values.withUnsafeMutableBufferPointer { p in
      for i in p.indices { p[i] = apply(p[i]) }
    }
  }
}

@inline(__always) private func Glibc_tanhf(_ x: Float) -> Float { tanhf(x) }
