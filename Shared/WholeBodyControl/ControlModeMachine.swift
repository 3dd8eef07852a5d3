/// The controller's modes and staged stops (IEC 60204-1) as a pure value: events in, the new mode
/// and what happens to the chunk being tracked out. No clocks, no I/O; the controller feeds it
/// events (joint-bus health, requests, standstill, the stop's time bound) and acts on its state.
///
/// Stops are latched: only ``Event/resumeRequested`` leaves `stopped` or `fault`, and it is
/// refused while the safety chain is open, the joint bus is down, or a stop is still running.
public struct ControlModeMachine: Sendable, Hashable {
  /// Something that happened.
  public enum Event: Sendable, Hashable {
    /// A joint-bus state arrived (the first one powers the controller up into holding).
    case busStateReceived
    /// No joint-bus state for longer than the timeout.
    case busTimedOut
    /// The robot reports it has fallen.
    case robotFell
    /// A chunk was accepted for tracking.
    case chunkAccepted
    /// The tracked chunk ended on its own (completed, expired, limit, balance).
    case chunkEnded
    /// Hold requested.
    case holdRequested
    /// Home requested.
    case homeRequested
    /// The home posture was reached.
    case homeReached
    /// A stop of the given category was requested.
    case stopRequested(StopCategory)
    /// The safety chain opened (e-stop, interlock); the controller stops in the given category.
    case safetyOpened(StopCategory)
    /// The safety chain closed again (the stop stays latched).
    case safetyClosed
    /// Every joint is at standstill (during a controlled stop).
    case standstillReached
    /// The controlled stop's time bound elapsed before standstill.
    case stopBoundElapsed
    /// Resume requested.
    case resumeRequested
  }

  /// What an event did.
  public struct Outcome: Sendable, Hashable {
    /// Set when the chunk being tracked (if any) must end, and why.
    public var endsChunk: ExecutionReason?
    /// Set when the event was a request the machine refused.
    public var refusal: ControlError?

    /// An outcome.
    public init(endsChunk: ExecutionReason? = nil, refusal: ControlError? = nil) {
      self.endsChunk = endsChunk
      self.refusal = refusal
    }
  }

  /// The current mode.
  public private(set) var mode: ControlMode = .disabled
  /// The stop in force (stopping or stopped), nil when none.
  public private(set) var activeStop: StopCategory?
  /// The safety chain is open (e-stop pressed or interlock open).
  public private(set) var safetyOpen = false
  /// The joint bus delivers states.
  public private(set) var busHealthy = false

  /// A machine in `disabled`, bus down, safety closed.
  public init() {}

  /// A machine in a given state (table tests, restoring).
  public init(mode: ControlMode, activeStop: StopCategory? = nil, safetyOpen: Bool = false, busHealthy: Bool = true) {
    self.mode = mode
    self.activeStop = activeStop
    self.safetyOpen = safetyOpen
    self.busHealthy = busHealthy
  }

  /// Torque is commanded: false when disabled and after a category 0 or 1 stop.
  public var torqueOn: Bool {
    switch mode {
    case .disabled: false
    case .stopped: activeStop == .category2
    case .holding, .tracking, .homing, .stopping, .fault: true
    }
  }

  /// Applies an event.
  public mutating func handle(_ event: Event) -> Outcome {
    let wasTracking = mode == .tracking
    switch event {
    case .busStateReceived:
      busHealthy = true
      if mode == .disabled && !safetyOpen { mode = .holding }
      return Outcome()

    case .busTimedOut:
      busHealthy = false
      return enterFault(wasTracking: wasTracking)

    case .robotFell:
      return enterFault(wasTracking: wasTracking)

    case .chunkAccepted:
      switch mode {
      case .holding, .tracking, .homing:
        mode = .tracking
        return Outcome(endsChunk: nil)
      default:
        return refuse("A chunk cannot be tracked while \(mode); resume or wait for holding first.")
      }

    case .chunkEnded:
      if mode == .tracking { mode = .holding }
      return Outcome()

    case .holdRequested:
      switch mode {
      case .holding, .tracking, .homing:
        mode = .holding
        return Outcome(endsChunk: wasTracking ? .interrupted : nil)
      default:
        return refuse("Cannot hold while \(mode); a stopped robot holds already, resume it first.")
      }

    case .homeRequested:
      switch mode {
      case .holding, .tracking, .homing:
        mode = .homing
        return Outcome(endsChunk: wasTracking ? .interrupted : nil)
      default:
        return refuse("Cannot home while \(mode); resume first.")
      }

    case .homeReached:
      if mode == .homing { mode = .holding }
      return Outcome()

    case .stopRequested(let category):
      return stop(category, reason: .interrupted, wasTracking: wasTracking)

    case .safetyOpened(let category):
      safetyOpen = true
      return stop(category, reason: .safety, wasTracking: wasTracking)

    case .safetyClosed:
      safetyOpen = false
      return Outcome()

    case .standstillReached:
      if mode == .stopping { mode = .stopped }
      return Outcome()

    case .stopBoundElapsed:
      // Not at standstill in time: remove power (escalate to category 0).
      if mode == .stopping {
        mode = .stopped
        activeStop = .category0
      }
      return Outcome()

    case .resumeRequested:
      switch mode {
      case .stopped, .fault, .disabled:
        if safetyOpen {
          return Outcome(
            refusal: ControlError(.safetyChainOpen, "The safety chain is open; close and reset it, then resume."))
        }
        if !busHealthy {
          return Outcome(
            refusal: ControlError(.jointBusDown, "No joint-bus state from the robot; check the bus, then resume."))
        }
        mode = .holding
        activeStop = nil
        return Outcome()
      case .stopping:
        return refuse("A stop is still running; resume once stopped.")
      case .holding, .tracking, .homing:
        return Outcome()
      }
    }
  }

  private mutating func stop(_ category: StopCategory, reason: ExecutionReason, wasTracking: Bool) -> Outcome {
    let ends: ExecutionReason? = wasTracking ? reason : nil
    switch mode {
    case .disabled:
      return Outcome()
    case .holding, .tracking, .homing, .fault:
      activeStop = category
      mode = category == .category0 ? .stopped : .stopping
      return Outcome(endsChunk: ends)
    case .stopping, .stopped:
      // A stop in force only ever escalates to a more severe category.
      guard let current = activeStop, category < current else { return Outcome() }
      activeStop = category
      if category == .category0 {
        mode = .stopped
      } else if mode == .stopped {
        // Stopped already (category 2, at standstill): a category 1 just removes power.
        mode = .stopped
      }
      return Outcome()
    }
  }

  private mutating func enterFault(wasTracking: Bool) -> Outcome {
    switch mode {
    case .disabled, .stopped, .stopping:
      // Power is already off or a stop is running; the stop stays in charge.
      return Outcome()
    case .holding, .tracking, .homing, .fault:
      mode = .fault
      return Outcome(endsChunk: wasTracking ? .fault : nil)
    }
  }

  private func refuse(_ message: String) -> Outcome {
    Outcome(refusal: ControlError(.wrongMode, message))
  }
}
