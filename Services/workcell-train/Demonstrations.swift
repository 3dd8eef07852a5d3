import CellWorld
import PolicyRuntime

/// Pairs (features at t → the expert's next chunk of targets) recorded from the scripted expert.
struct Demonstrations {
  /// The feature encoding of `features`.
  var featureVersion = PolicyFeatureVersion.v2
  /// Raw features, one row of `featureVersion.count` per sample.
  var features: [Float] = []
  /// Raw targets, one row of `chunkSteps × 9` per sample: per step 7 joint targets relative to
  /// the observed joints (rad), gripper width (m), grip force (N).
  var targets: [Float] = []
  /// Which seed each sample came from (for the train/validation split).
  var sampleSeeds: [UInt64] = []
  var cycles = 0
  var outcomes: [ScriptedExpert.CycleResult: Int] = [:]
  var simulatedS = 0.0
  /// The samples grouped as a dataset's episodes: one per recorded cycle, and one per cycle for
  /// its perturbed copies (they are not a trajectory of their own, but keep the cycle's order).
  var episodes: [DemonstrationEpisode] = []

  var count: Int { sampleSeeds.count }

  /// How samples are taken: chunk length, step period, and the σ of the noise added to the
  /// recorded gripper width.
  struct Recording {
    var chunkSteps: Int
    var stepPeriodMs: Int
    var widthJitterM: Double
    /// σ of the joint offsets of the perturbed copy recorded beside each sample (0 = none).
    var jointNoiseRad: Double
  }

  /// The expert's gripper command in a phase (it opens to 45 mm, closes to 0 at 20 N).
  static func gripperCommandM(phase: String) -> Double {
    ["close", "lift", "carry", "lower", "insert", "settle"].contains(phase) ? 0 : 0.045
  }

  /// Runs `cyclesPerSeed` expert cycles on each seed and records a sample every step period.
  static func record(
    seeds: [UInt64], cyclesPerSeed: Int, recording: Recording, config: CellWorldConfig,
    progress: (Int, Demonstrations) -> Void
  ) -> Demonstrations {
    var out = Demonstrations()
    for (n, seed) in seeds.enumerated() {
      var world = CellWorld(seed: seed, config: config)
      var expert = ScriptedExpert(robot: 0, world: world)
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var jitter = WorldRandom(seed: seed ^ 0x0717_7E12)
      var sequence: UInt64 = 0
      for _ in 0..<cyclesPerSeed {
        world.presentNut(robot: 0)
        expert.startCycle()
        observer.startCycle()
        out.recordCycle(
          world: &world, expert: &expert, observer: &observer, sequence: &sequence, jitter: &jitter, seed: seed,
          recording: recording, source: .expert)
      }
      out.simulatedS += world.simTimeS
      progress(n + 1, out)
    }
    return out
  }

  /// Lets `expert` run its cycle from the world's present state to its end, recording a sample
  /// every step period while it runs (the targets reach past the end: the arm then holds).
  mutating func recordCycle(
    world: inout CellWorld, expert: inout ScriptedExpert, observer: inout SimObserver, sequence: inout UInt64,
    jitter: inout WorldRandom, seed: UInt64, recording: Recording, source: DemonstrationEpisode.Source
  ) {
    let period = recording.stepPeriodMs
    let chunkSteps = recording.chunkSteps
    var observations: [PolicyObservation] = []
    var trajectory: [Double] = []  // per period tick: 7 joints, gripper command
    var tick = 0
    var tail = -1
    let deadline = Int(30 / CellWorld.stepS)
    while tick < deadline {
      if tick % period == 0 {
        let q = world.trueJointPositionsRad(robot: 0)
        for j in 0..<7 { trajectory.append(q[q.startIndex + RobotLayout.workingArm * 7 + j]) }
        trajectory.append(Self.gripperCommandM(phase: expert.phaseName))
        if expert.result == nil {
          observations.append(observer.observe(world: &world, sequence: sequence))
          sequence += 1
        }
      }
      if expert.result != nil {
        if tail < 0 { tail = tick }
        if tick - tail >= chunkSteps * period { break }
      }
      expert.act(world: &world)
      world.step()
      tick += 1
    }
    let outcome = expert.result ?? .timedOut
    outcomes[outcome, default: 0] += 1
    cycles += 1
    world.removeNut(robot: 0)
    let ticks = trajectory.count / 8
    let arm = world.config.arm
    let cycleInSeed = episodes.last { $0.seed == seed && !$0.perturbed }.map { $0.cycleInSeed + 1 } ?? 0
    var original = DemonstrationEpisode(
      seed: seed, cycleInSeed: cycleInSeed, source: source, perturbed: false, outcome: outcome.rawValue)
    var copied = original
    copied.perturbed = true
    for (k, observation) in observations.enumerated() {
      var copies = [observation]
      if recording.jointNoiseRad > 0 { copies.append(Self.perturbed(observation, arm: arm, sigmaRad: recording.jointNoiseRad, random: &jitter)) }
      for (c, copy) in copies.enumerated() {
        if c == 0 { original.rows.append(sampleSeeds.count) } else { copied.rows.append(sampleSeeds.count) }
        // The measured width is jittered: the expert's width leaves 45 mm only when it closes, so
        // without this the policy reads its own small width errors as "closing" and closes.
        var jittered = copy
        jittered.gripperWidthM = max(copy.gripperWidthM + recording.widthJitterM * jitter.normal(), 0)
        features.append(contentsOf: PolicyFeatures.matrix([jittered]).values)
        for s in 0..<chunkSteps {
          let t = min(k + s, ticks - 1)
          for j in 0..<7 { targets.append(Float(trajectory[t * 8 + j] - copy.armJointPositionsRad[j])) }
          targets.append(Float(trajectory[t * 8 + 7]))
          targets.append(Float(expert.gripForceN))
        }
        sampleSeeds.append(seed)
      }
    }
    if !original.rows.isEmpty { episodes.append(original) }
    if !copied.rows.isEmpty { episodes.append(copied) }
  }

  /// The observation with the arm displaced: joints offset by Gaussian noise, the TCP moved by
  /// forward kinematics, a held nut moved with it. Its targets stay the expert's path, so the
  /// copy teaches the way back to the path from beside it (noise injection, as in DART).
  static func perturbed(
    _ observation: PolicyObservation, arm: ArmKinematics, sigmaRad: Double, random: inout WorldRandom
  ) -> PolicyObservation {
    var copy = observation
    for j in 0..<7 {
      copy.armJointPositionsRad[j] = min(
        max(observation.armJointPositionsRad[j] + sigmaRad * random.normal(), RobotLayout.positionMinRad[j] + 0.01),
        RobotLayout.positionMaxRad[j] - 0.01)
    }
    let before = observation.armJointPositionsRad.withUnsafeBufferPointer { arm.forward($0.baseAddress!) }.positionM
    let after = copy.armJointPositionsRad.withUnsafeBufferPointer { arm.forward($0.baseAddress!) }.positionM
    let shift = after - before
    copy.tcpPositionInTorsoM = observation.tcpPositionInTorsoM + shift
    if observation.holding { copy.nutPositionInTorsoM = observation.nutPositionInTorsoM + shift }
    return copy
  }

  /// DAgger-style recovery data: on each seed the policy drives a cycle from its start until a
  /// random moment while it is still reaching (0.3–2 s in), then a fresh `ScriptedExpert` takes
  /// over from the state the policy left and finishes the cycle, recorded like any other. The
  /// expert thus labels the states the policy visits (a fresh expert re-plans its approach from
  /// wherever the arm is). After the pick the expert cannot take over (it starts a cycle only
  /// with the nut in the feeder), so the carry and insert get no recovery data.
  static func recordTakeovers(
    model: PolicyModel, seeds: [UInt64], takeoversPerSeed: Int, replanSteps: Int, recording: Recording,
    config: CellWorldConfig
  ) -> Demonstrations {
    var out = Demonstrations()
    for seed in seeds {
      var world = CellWorld(seed: seed, config: config)
      var observer = SimObserver(robot: 0, seed: seed ^ 0x5EED_0B5E)
      var jitter = WorldRandom(seed: seed ^ 0x0717_7E12)
      var when = WorldRandom(seed: seed ^ 0x7A4E_0FE2)
      var sequence: UInt64 = 0
      for _ in 0..<takeoversPerSeed {
        let handOverTick = 300 + Int(when.unit() * 1700)
        let outcome = ClosedLoop.policyCycle(
          world: &world, model: model, observer: &observer, replanSteps: replanSteps, timeoutS: 12,
          sequence: &sequence, handOverTick: handOverTick)
        guard outcome == nil else { continue }
        var expert = ScriptedExpert(robot: 0, world: world)
        expert.startCycle()
        out.recordCycle(
          world: &world, expert: &expert, observer: &observer, sequence: &sequence, jitter: &jitter, seed: seed,
          recording: recording, source: .takeover)
      }
      out.simulatedS += world.simTimeS
    }
    return out
  }

  /// Appends another set of samples.
  mutating func append(_ other: Demonstrations) {
    precondition(other.count == 0 || count == 0 || other.featureVersion == featureVersion, "samples of two feature versions")
    if count == 0 { featureVersion = other.featureVersion }
    let offset = count
    episodes += other.episodes.map { episode in
      var moved = episode
      moved.rows = episode.rows.map { $0 + offset }
      return moved
    }
    features += other.features
    targets += other.targets
    sampleSeeds += other.sampleSeeds
    cycles += other.cycles
    for (k, v) in other.outcomes { outcomes[k, default: 0] += v }
    simulatedS += other.simulatedS
  }
}
