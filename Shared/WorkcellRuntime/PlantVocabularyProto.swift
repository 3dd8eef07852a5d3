import WorkcellProto
import YieldKPI

// The proto enums number their values in the order docs/yield-api.md lists them, as YieldKPI's
// `allCases` do; these mappings rely on that and YieldServiceTests check it.

extension Workcell_Common_V1_FailureCode {
  /// The API's spelling; nil for UNSPECIFIED, `unrecognized(n)` for a number this build does not know.
  public var apiName: String? {
    switch self {
    case .unspecified: nil
    case .UNRECOGNIZED(let value): "unrecognized(\(value))"
    default: FailureCode(self)?.rawValue ?? "unrecognized(\(rawValue))"
    }
  }

  public init(_ code: FailureCode) {
    let index = FailureCode.allCases.firstIndex(of: code)!
    self = Self(rawValue: index + 1) ?? .other
  }
}

extension FailureCode {
  public init?(_ proto: Workcell_Common_V1_FailureCode) {
    let index = proto.rawValue - 1
    guard FailureCode.allCases.indices.contains(index) else { return nil }
    self = FailureCode.allCases[index]
  }
}

extension MachineState {
  public init?(_ proto: Workcell_Common_V1_MachineState) {
    let index = proto.rawValue - 1
    guard MachineState.allCases.indices.contains(index) else { return nil }
    self = MachineState.allCases[index]
  }
}

extension Workcell_Common_V1_CycleOutcome {
  public init(_ outcome: CycleOutcome) {
    switch outcome {
    case .ok: self = .ok
    case .nok: self = .nok
    case .aborted: self = .aborted
    }
  }

  /// The API's spelling; nil for UNSPECIFIED (no filter).
  public var apiName: String? {
    switch self {
    case .ok: "ok"
    case .nok: "nok"
    case .aborted: "aborted"
    default: nil
    }
  }
}
