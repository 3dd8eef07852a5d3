import CellWorld
import NutPerception

/// A world where robot 0's expert runs until a condition, with helpers to read its right gripper's
/// fingertips (fingers 2 and 3 in `TactileArray.fingers`).
struct GraspScenario {
  var world: CellWorld
  var expert: ScriptedExpert
  let sensor = TactileGraspSensor()

  init(seed: UInt64, config: CellWorldConfig = .withoutFailures, injections: [FaultInjection] = []) {
    world = CellWorld(seed: seed, config: config)
    expert = ScriptedExpert(robot: 0, world: world)
    for fault in injections { world.inject(fault) }
    world.presentNut(robot: 0)
    expert.startCycle()
  }

  /// Steps the expert until `done` (or `limitS` of simulated time); true if it happened.
  @discardableResult
  mutating func run(limitS: Double = 6, until done: (CellWorld, ScriptedExpert) -> Bool) -> Bool {
    let deadline = world.stepIndex + UInt64(limitS * 1000)
    while world.stepIndex < deadline {
      expert.act(world: &world)
      world.step()
      if done(world, expert) { return true }
    }
    return false
  }

  /// Steps until the next tactile frame.
  mutating func stepToNextTactile() {
    let sequence = world.tactileSequence(robot: 0)
    while world.tactileSequence(robot: 0) == sequence {
      expert.act(world: &world)
      world.step()
    }
  }

  /// The working gripper's two fingertip frames now.
  func fingers() throws -> (TactileFrame, TactileFrame) {
    let first = RobotLayout.workingArm * 2
    return (
      try WorldFrames.tactile(world, robot: 0, finger: first),
      try WorldFrames.tactile(world, robot: 0, finger: first + 1)
    )
  }

  /// Touch's estimate of the latest frames.
  func tactile(previous: TactileEstimate? = nil) throws -> TactileEstimate {
    let (a, b) = try fingers()
    return try sensor.estimate(fingerA: a, fingerB: b, previous: previous, intervalS: 1 / world.config.tactileHz)
  }

  /// Runs until the nut has been held for `settleS` (pick done, fingers squeezing).
  mutating func runToHeld(settleS: Double = 0.05) -> Bool {
    guard run(until: { world, _ in world.truth(robot: 0).nutState == .inGripper }) else { return false }
    let until = world.stepIndex + UInt64(settleS * 1000)
    return run { world, _ in world.stepIndex >= until }
  }
}
