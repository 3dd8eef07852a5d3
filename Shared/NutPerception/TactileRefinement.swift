/// TacRefineNet's role as a pure controller: from the grasp touch and vision measure and a goal,
/// one correction of the gripper target (a damped, clamped proportional step) and the error it
/// should leave. The loop (``run(budget:goal:initial:measure:apply:)``) stops on convergence or
/// when the iteration budget is spent. No state between calls.
public struct TactileRefinement: Sendable, Hashable {
  /// Fraction of the error corrected per step (< 1 tolerates compliance and gain errors).
  public var gain: Double
  /// Largest position correction per step, mm.
  public var maxStepMm: Double
  /// Largest turn per step, degrees.
  public var maxStepDeg: Double
  /// The nut, for wrapping the phase.
  public var geometry: NutGeometry

  /// A refinement with its gains and limits.
  public init(gain: Double = 0.8, maxStepMm: Double = 2, maxStepDeg: Double = 5, geometry: NutGeometry = .defaults) {
    self.gain = gain
    self.maxStepMm = maxStepMm
    self.maxStepDeg = maxStepDeg
    self.geometry = geometry
  }

  /// One step from the measured nut offset from where it should be (gripper frame, mm; e.g.
  /// touch's offset in the fingers plus the corrections already applied, or vision against the
  /// pin) and the measured spline phase (nil = unknown: no turn, phase not checked).
  public func step(
    nutInGripperMm: SIMD3<Double>, splinePhaseDeg: Double?, goal: RefinementGoal
  ) throws(PerceptionError) -> RefinementStep {
    try goal.validate()
    guard nutInGripperMm.x.isFinite, nutInGripperMm.y.isFinite, nutInGripperMm.z.isFinite,
      splinePhaseDeg?.isFinite ?? true
    else { throw PerceptionError(code: .invalidParameter, message: "grasp measurement must be finite") }
    let error = nutInGripperMm - goal.nutInGripperMm
    let errorMm = ((error * error).sum()).squareRoot()
    let phaseError = splinePhaseDeg.map { geometry.wrapPhaseDeg($0 - goal.splinePhaseDeg) } ?? 0
    if errorMm <= goal.toleranceMm && abs(phaseError) <= goal.toleranceDeg {
      return RefinementStep(
        deltaPositionMm: .zero, deltaYawDeg: 0, errorMm: errorMm, errorDeg: phaseError, residualMm: errorMm,
        residualDeg: phaseError, converged: true)
    }
    // Move the gripper against the nut's error: the nut then lands where the goal nut would.
    var delta = -gain * error
    let size = ((delta * delta).sum()).squareRoot()
    if size > maxStepMm { delta *= maxStepMm / size }
    let turn = min(max(-gain * phaseError, -maxStepDeg), maxStepDeg)
    let left = error + delta
    return RefinementStep(
      deltaPositionMm: delta, deltaYawDeg: turn, errorMm: errorMm, errorDeg: phaseError,
      residualMm: ((left * left).sum()).squareRoot(), residualDeg: phaseError + turn, converged: false)
  }

  /// Runs the loop on a caller's plant: `measure` turns a state into (nut offset mm, phase deg),
  /// `apply` applies a step to it. Stops at convergence or after `budget` corrections.
  public func run<State>(
    budget: Int, goal: RefinementGoal, initial: State, measure: (State) -> (SIMD3<Double>, Double?),
    apply: (State, RefinementStep) -> State
  ) throws(PerceptionError) -> RefinementOutcome<State> {
    guard budget >= 0 else {
      throw PerceptionError(code: .invalidParameter, message: "iteration budget \(budget) must be ≥ 0")
    }
    var state = initial
    var steps: [RefinementStep] = []
    while true {
      let (offset, phase) = measure(state)
      let next = try step(nutInGripperMm: offset, splinePhaseDeg: phase, goal: goal)
      steps.append(next)
      if next.converged || steps.count > budget { break }
      state = apply(state, next)
    }
    return RefinementOutcome(state: state, steps: steps, converged: steps.last?.converged ?? false)
  }
}
