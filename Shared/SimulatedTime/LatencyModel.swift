/// A modelled processing delay in simulated time: a chunk computed from an observation taken at
/// t is delivered at t + L whatever wall time the computation took (docs/simulation.md).
/// `fixed` always gives the same L; `drawn` picks one of the given values per call from a seeded
/// stream (e.g. a measured histogram's samples), so a latency sweep is exact and repeatable.
public struct LatencyModel: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    case fixed(milliseconds: Double)
    case drawn(milliseconds: [Double], seed: UInt64)
  }

  public let kind: Kind

  public static let none = LatencyModel(kind: .fixed(milliseconds: 0))

  public init(kind: Kind) { self.kind = kind }

  /// Parses `MS` (fixed) or `MS,MS,…@SEED` (drawn uniformly from the values with the seed).
  public init(parsing text: String) throws(LatencyModelError) {
    let trimmed = text.trimmingCharacters(in: " ")
    if let at = trimmed.firstIndex(of: "@") {
      let values = trimmed[..<at].split(separator: ",").map { Double($0.trimmingCharacters(in: " ")) }
      guard let seed = UInt64(trimmed[trimmed.index(after: at)...]), !values.isEmpty,
        values.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite })
      else { throw LatencyModelError(text: text) }
      kind = .drawn(milliseconds: values.map { $0! }, seed: seed)
    } else {
      guard let value = Double(trimmed), value >= 0, value.isFinite else { throw LatencyModelError(text: text) }
      kind = .fixed(milliseconds: value)
    }
  }

  public var description: String {
    switch kind {
    case .fixed(let ms): "\(ms) ms"
    case .drawn(let values, let seed): "\(values.map { "\($0)" }.joined(separator: ",")) ms drawn with seed \(seed)"
    }
  }

  /// The delay of the `call`-th call (0-based), seconds. Drawn values depend only on the seed
  /// and the call's number, so the same calls get the same delays in every run.
  public func delaySeconds(call: UInt64) -> Double {
    switch kind {
    case .fixed(let ms): return ms / 1000
    case .drawn(let values, let seed):
      var state = seed &+ call &* 0x9E37_79B9_7F4A_7C15
      state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
      state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
      state ^= state >> 31
      return values[Int(state % UInt64(values.count))] / 1000
    }
  }
}

/// A latency that is not `MS` or `MS,MS,…@SEED`.
public struct LatencyModelError: Error, CustomStringConvertible {
  public let text: String
  public var description: String {
    "A latency is MS (fixed, ≥ 0) or MS,MS,…@SEED (one value drawn per call with the seed); got '\(text)'."
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in character: Character) -> Substring {
    var slice = self
    while slice.first == character { slice.removeFirst() }
    while slice.last == character { slice.removeLast() }
    return slice
  }
}

extension String {
  fileprivate func trimmingCharacters(in character: Character) -> String {
    String(Substring(self).trimmingCharacters(in: character))
  }
}
