import CellWorld

/// Runs the expert for `robot` until its nut reaches `state` (or `limitS` passes).
func runUntil(
  _ world: inout CellWorld, expert: inout ScriptedExpert, limitS: Double = 15,
  _ done: (CellWorld, ScriptedExpert) -> Bool
) -> Bool {
  let deadline = world.stepIndex + UInt64(limitS * 1000)
  while world.stepIndex < deadline {
    expert.act(world: &world)
    world.step()
    if done(world, expert) { return true }
  }
  return false
}

/// Outcomes of `count` expert cycles on robot 0.
func expertOutcomes(seed: UInt64, config: CellWorldConfig, count: Int, inject: FaultInjection? = nil)
  -> [ScriptedExpert.CycleResult]
{
  var world = CellWorld(seed: seed, config: config)
  var expert = ScriptedExpert(robot: 0, world: world)
  var results: [ScriptedExpert.CycleResult] = []
  for _ in 0..<count {
    if let inject { world.inject(inject) }
    results.append(ScriptedExpert.runCycle(world: &world, expert: &expert))
  }
  return results
}

/// FNV-1a over the bits of doubles and bytes: a trace fingerprint.
struct TraceHash {
  var value: UInt64 = 0xcbf2_9ce4_8422_2325
  mutating func add(_ x: Double) { add(x.bitPattern) }
  mutating func add(_ x: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      value ^= (x >> UInt64(shift)) & 0xFF
      value &*= 0x100_0000_01B3
    }
  }
  mutating func add(bytes: [UInt8]) {
    for b in bytes {
      value ^= UInt64(b)
      value &*= 0x100_0000_01B3
    }
  }
}
