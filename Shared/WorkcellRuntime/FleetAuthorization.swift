/// Who may call what on a plant network with mutual TLS (docs/security.md). Identities are the
/// common names of the certificates `workcell certs init` makes: the fleet's services (`cell`,
/// `policy`, `perception`, `control`, `plc-bridge`, `yield`, `cell-sim`), `operator` (a person
/// at the cell, the `workcell` CLI) and `mes` (the plant's MES).
///
/// - Moving a robot (control's Execute, Home, Resume) and writing to the PLC (plc-bridge's
///   RequestPart, ConfirmPartTaken, Clamp, Fasten, ReleaseFixture, ResetFault): `cell`, `operator`.
/// - Starting or stopping production (cell's Start, Pause, Stop) and changing the policy's models
///   (LoadModel, ActivateModel, ShadowModel, RollbackModel): `operator`.
/// - Reporting cycles and state events to yield: `cell`, `operator`.
/// - Reading yield (QueryYield, QueryOee, QueryPareto, ListCycles, ListCells) and health: anyone
///   the CA vouches for, `mes` included.
/// - Everything else (estimates, chunks, state, sensor streams, Hold and Stop of a robot): any
///   identity but `mes` — the MES reads yield and nothing else.
public enum FleetAuthorization {
  /// The MES's identity.
  public static let mes = "mes"
  /// A person's identity.
  public static let operatorIdentity = "operator"
  /// The sequencer's identity.
  public static let cell = "cell"

  /// Methods (`package.Service/Method`) only the listed identities may call.
  static let restricted: [String: Set<String>] = {
    var table: [String: Set<String>] = [:]
    for method in ["Execute", "Home", "Resume"] { table["workcell.control.v1.Control/\(method)"] = [cell, operatorIdentity] }
    for method in ["RequestPart", "ConfirmPartTaken", "Clamp", "Fasten", "ReleaseFixture", "ResetFault"] {
      table["workcell.plc.v1.PlcBridge/\(method)"] = [cell, operatorIdentity]
    }
    for method in ["Start", "Pause", "Stop"] { table["workcell.cell.v1.Cell/\(method)"] = [operatorIdentity] }
    for method in ["LoadModel", "ActivateModel", "ShadowModel", "RollbackModel"] {
      table["workcell.policy.v1.Policy/\(method)"] = [operatorIdentity]
    }
    for method in ["ReportCycles", "ReportCycleBatch", "ReportStateEvents"] {
      table["workcell.yield.v1.Yield/\(method)"] = [cell, operatorIdentity]
    }
    return table
  }()

  /// Methods every identity the CA vouches for may call, the MES's included.
  static let openToAll: Set<String> = [
    "workcell.yield.v1.Yield/QueryYield", "workcell.yield.v1.Yield/QueryOee", "workcell.yield.v1.Yield/QueryPareto",
    "workcell.yield.v1.Yield/ListCycles", "workcell.yield.v1.Yield/ListCells", "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
  ]

  /// Nil when `identity` may call `method` (`package.Service/Method`), else why not.
  public static func refusal(identity: String, method: String) -> String? {
    if let allowed = restricted[method] {
      guard allowed.contains(identity) else {
        return "identity '\(identity)' may not call \(method); it is for \(allowed.sorted().joined(separator: " or "))"
      }
      return nil
    }
    if openToAll.contains(method) { return nil }
    guard identity != mes else { return "identity 'mes' may read yield and nothing else; not \(method)" }
    return nil
  }
}
