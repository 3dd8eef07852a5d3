import JointBus
import WholeBodyControl

/// What the loop executed, sampled by the loop itself: one sample per `periodNanoseconds` of
/// controller time (the first state at or after each multiple), the newest `capacity` kept in a
/// ring whose buffers are allocated once (recording copies values, it never allocates). A recorder
/// asks for a time range once per cycle (`Control/GetTrace`) instead of a call per tick.
struct ExecutionTrace: Sendable {
  struct Sample: Sendable, Equatable {
    /// When the state was measured, Unix nanoseconds.
    var measuredAtUnixNanoseconds: UInt64 = 0
    var positionRad = [Double](repeating: 0, count: JointBus.jointCount)
    var velocityRadPerS = [Double](repeating: 0, count: JointBus.jointCount)
    /// The position targets the loop sent with that state.
    var commandedPositionRad = [Double](repeating: 0, count: JointBus.jointCount)
    var gripperWidthM = [Double](repeating: 0, count: JointBus.gripperCount)
    var commandedGripperWidthM = [Double](repeating: 0, count: JointBus.gripperCount)
    var mode = ControlMode.disabled

    /// A copy with buffers of its own: handing out the ring's would make its next write copy
    /// (allocate) in the loop.
    func detached() -> Sample {
      var copy = self
      copy.positionRad = positionRad.map { $0 }
      copy.velocityRadPerS = velocityRadPerS.map { $0 }
      copy.commandedPositionRad = commandedPositionRad.map { $0 }
      copy.gripperWidthM = gripperWidthM.map { $0 }
      copy.commandedGripperWidthM = commandedGripperWidthM.map { $0 }
      return copy
    }
  }

  /// 50 Hz: what LeRobot-style datasets of arm trajectories use.
  static let defaultPeriodNanoseconds: UInt64 = 20_000_000
  /// 120 s at 50 Hz: more than a cycle's 76 s takt.
  static let defaultCapacity = 6000

  let periodNanoseconds: UInt64
  let capacity: Int
  private var ring: [Sample]
  /// Index of the oldest sample, and how many are kept.
  private var oldest = 0
  private(set) var count = 0

  init(periodNanoseconds: UInt64 = Self.defaultPeriodNanoseconds, capacity: Int = Self.defaultCapacity) {
    precondition(periodNanoseconds > 0 && capacity > 0)
    self.periodNanoseconds = periodNanoseconds
    self.capacity = capacity
    // One set of buffers per slot (`Array(repeating:count:)` would share one: every first write to
    // a slot would copy it, an allocation in the loop — TickAllocationTests).
    ring = (0..<capacity).map { _ in Sample() }
  }

  /// Records a sample taken at controller time `nanoseconds`; `fill` writes into the ring's slot
  /// in place. Returns the controller time the next sample is due: the next multiple of the
  /// period (the loop keeps it and calls again at the first state at or after it).
  mutating func record(atControllerNanoseconds nanoseconds: UInt64, _ fill: (inout Sample) -> Void) -> UInt64 {
    let slot = (oldest + count) % capacity
    fill(&ring[slot])
    if count < capacity { count += 1 } else { oldest = (oldest + 1) % capacity }
    return (nanoseconds / periodNanoseconds + 1) * periodNanoseconds
  }

  /// The samples measured in [`from`, `to`] (Unix nanoseconds; nil = unbounded) in time order, and
  /// whether the range began before the oldest sample kept.
  func samples(fromUnixNanoseconds from: UInt64?, toUnixNanoseconds to: UInt64?) -> (samples: [Sample], truncated: Bool) {
    var found: [Sample] = []
    for index in 0..<count {
      let sample = ring[(oldest + index) % capacity]
      if let from, sample.measuredAtUnixNanoseconds < from { continue }
      if let to, sample.measuredAtUnixNanoseconds > to { break }
      found.append(sample.detached())
    }
    let truncated = count > 0 && (from ?? 0) < ring[oldest].measuredAtUnixNanoseconds && count == capacity
    return (found, truncated)
  }

}
