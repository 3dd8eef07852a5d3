import ArgumentParser
import PlcHandshakes
import WorkcellProto

/// Where one PLC device of a side is: `SIDE=HOST:PORT[/UNIT]`, e.g. `left=10.1.7.21:502/1`.
public struct PlcEndpoint: Hashable, Sendable, CustomStringConvertible {
  public var side: Workcell_Common_V1_Side
  public var host: String
  public var port: Int
  public var unitID: UInt8

  public init(side: Workcell_Common_V1_Side, host: String, port: Int, unitID: UInt8) {
    self.side = side
    self.host = host
    self.port = port
    self.unitID = unitID
  }

  public var description: String { "\(PlcEndpoint.name(of: side))=\(host):\(port)/\(unitID)" }

  /// Parses `SIDE=HOST:PORT[/UNIT]`; `defaultUnit` applies when `/UNIT` is left out.
  public static func parse(_ text: String, defaultUnit: UInt8) throws -> PlcEndpoint {
    let usage = "expected SIDE=HOST:PORT[/UNIT] with SIDE left or right, e.g. left=127.0.0.1:5020/1"
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, let side = side(named: parts[0]) else {
      throw ValidationError("PLC endpoint '\(text)': \(usage).")
    }
    var address = parts[1]
    var unit = defaultUnit
    if let slash = address.lastIndex(of: "/") {
      guard let parsed = UInt8(address[address.index(after: slash)...]), parsed <= 247 else {
        throw ValidationError("PLC endpoint '\(text)': the unit id must be 0–247.")
      }
      unit = parsed
      address = String(address[..<slash])
    }
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
      (1...65535).contains(port), colon > address.startIndex
    else {
      throw ValidationError("PLC endpoint '\(text)': \(usage).")
    }
    return PlcEndpoint(side: side, host: String(address[..<colon]), port: port, unitID: unit)
  }

  /// `left` / `right` for a side.
  public static func name(of side: Workcell_Common_V1_Side) -> String {
    switch side {
    case .left: "left"
    case .right: "right"
    default: "unspecified"
    }
  }

  static func side(named name: String) -> Workcell_Common_V1_Side? {
    switch name.lowercased() {
    case "left": .left
    case "right": .right
    default: nil
    }
  }
}
