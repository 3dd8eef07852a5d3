/// A tag of the I/O map: its 0-based protocol address and its name as the map spells it.
public protocol PlcTag: RawRepresentable, CaseIterable, Sendable where RawValue == UInt16 {
  /// The tag's name in docs/plc-io-map.md, e.g. `PART_PRESENT`.
  var tagName: String { get }
}

extension FeederIOMap.Coil: PlcTag {}
extension FeederIOMap.DiscreteInput: PlcTag {}
extension FeederIOMap.InputRegister: PlcTag {}
extension FixtureIOMap.Coil: PlcTag {}
extension FixtureIOMap.DiscreteInput: PlcTag {}
extension FixtureIOMap.InputRegister: PlcTag {}
extension FixtureIOMap.HoldingRegister: PlcTag {}
