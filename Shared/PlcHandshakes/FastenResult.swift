/// One tightening's result as the fixture reported it at FASTEN_DONE.
///
/// A NOK result (`ok == false`) is a process result, not an error.
public struct FastenResult: Hashable, Sendable {
  /// FASTEN_OK: torque and angle inside the program's window.
  public var ok: Bool
  /// FINAL_TORQUE in N·m (the register holds 0.01 N·m).
  public var torqueNm: Double
  /// FINAL_ANGLE in degrees (the register holds 0.1°).
  public var angleDeg: Double
  /// FAULT_CODE at FASTEN_DONE: `.none` when OK, else typically nut not seated, cross-thread or
  /// torque low/high.
  public var faultCode: PlcFaultCode
  /// CYCLE_COUNT: tightenings since PLC power-up (wraps at 65535).
  public var cycleCount: UInt16
  /// The tightening program that ran (1–16).
  public var program: UInt16
  /// From FASTEN_START to the poll that saw FASTEN_DONE.
  public var fastenDuration: Duration

  /// Creates a result.
  public init(
    ok: Bool, torqueNm: Double, angleDeg: Double, faultCode: PlcFaultCode, cycleCount: UInt16, program: UInt16,
    fastenDuration: Duration
  ) {
    self.ok = ok
    self.torqueNm = torqueNm
    self.angleDeg = angleDeg
    self.faultCode = faultCode
    self.cycleCount = cycleCount
    self.program = program
    self.fastenDuration = fastenDuration
  }

  /// The result the fixture's inputs hold (valid while FASTEN_DONE = 1).
  public init(_ inputs: FixtureInputs, program: UInt16, fastenDuration: Duration) {
    self.init(
      ok: inputs.fastenOK, torqueNm: inputs.finalTorqueNm, angleDeg: inputs.finalAngleDeg,
      faultCode: inputs.faultCode, cycleCount: inputs.cycleCount, program: program,
      fastenDuration: fastenDuration)
  }
}
