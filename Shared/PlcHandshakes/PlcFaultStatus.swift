/// A device's safety and fault state: what a fault reset needs to know.
public struct PlcFaultStatus: Hashable, Sendable {
  /// ESTOP_OK.
  public var estopOK: Bool
  /// FEEDER_FAULT / FIXTURE_FAULT (latched).
  public var faulted: Bool
  /// FAULT_CODE.
  public var faultCode: PlcFaultCode

  /// Creates a status from its three tags.
  public init(estopOK: Bool, faulted: Bool, faultCode: PlcFaultCode) {
    self.estopOK = estopOK
    self.faulted = faulted
    self.faultCode = faultCode
  }

  /// The feeder's ESTOP_OK, FEEDER_FAULT and FAULT_CODE.
  public init(_ inputs: FeederInputs) {
    self.init(estopOK: inputs.estopOK, faulted: inputs.feederFault, faultCode: inputs.faultCode)
  }

  /// The fixture's ESTOP_OK, FIXTURE_FAULT and FAULT_CODE.
  public init(_ inputs: FixtureInputs) {
    self.init(estopOK: inputs.estopOK, faulted: inputs.fixtureFault, faultCode: inputs.faultCode)
  }
}
