import CellWorld
import RobotHardware
import Testing

@Suite("CellWorld physics invariants")
struct PhysicsInvariantTests {
  @Test("a fresh world holds its home pose and stands")
  func holdsHome() {
    var world = CellWorld(seed: 1, config: .withoutFailures)
    for _ in 0..<500 { world.step() }
    let q = world.trueJointPositionsRad(robot: 0)
    for (j, home) in (RobotLayout.homeRad + RobotLayout.homeRad).enumerated() {
      #expect(abs(q[q.startIndex + j] - home) < 1e-3)
    }
    #expect(!world.truth(robot: 0).fallen)
    #expect(world.truth(robot: 0).balanceMarginM > 0.05)
  }

  @Test("position, velocity and torque limits hold under commands far outside them")
  func limitsRespected() {
    var world = CellWorld(seed: 2, config: .withoutFailures)
    var command = JointCommandInterfaces.holdingHome
    var random = WorldRandom(seed: 9)
    var reachedLimit = false
    for tick in 0..<3000 {
      if tick % 400 == 0 {
        for j in 0..<RobotLayout.jointCount {
          command.positionRad[j] = random.sign() * 10
          command.kp[j] = 5000
          command.kd[j] = 1
          command.torqueNm[j] = random.sign() * 200
        }
        world.setCommand(robot: 0, command)
      }
      world.step()
      let q = world.trueJointPositionsRad(robot: 0)
      let v = world.trueJointVelocitiesRadPerS(robot: 0)
      let tau = world.appliedTorquesNm(robot: 0)
      for j in 0..<RobotLayout.jointCount {
        let k = j % 7
        let position = q[q.startIndex + j]
        #expect(position >= RobotLayout.positionMinRad[k] && position <= RobotLayout.positionMaxRad[k])
        #expect(abs(v[v.startIndex + j]) <= RobotLayout.velocityMaxRadPerS[k] + 1e-12)
        #expect(abs(tau[tau.startIndex + j]) <= RobotLayout.torqueMaxNm[k] + 1e-12)
        if position == RobotLayout.positionMinRad[k] || position == RobotLayout.positionMaxRad[k] { reachedLimit = true }
      }
    }
    #expect(reachedLimit)
  }

  @Test("a command reaches the motors after the actuation delay, not before")
  func actuationDelay() {
    var config = CellWorldConfig.withoutFailures
    config.actuationDelaySteps = 2
    var world = CellWorld(seed: 3, config: config)
    for _ in 0..<10 { world.step() }
    let before = world.appliedTorquesNm(robot: 0).first!
    var command = JointCommandInterfaces.holdingHome
    command.torqueNm[0] = 30
    world.setCommand(robot: 0, command)
    var torques: [Double] = []
    for _ in 0..<4 {
      world.step()
      torques.append(world.appliedTorquesNm(robot: 0).first!)
    }
    #expect(abs(torques[0] - before) < 1 && abs(torques[1] - before) < 1)
    #expect(torques[2] - before > 25)
  }

  @Test("encoders report quantised positions")
  func encoderQuantisation() {
    var world = CellWorld(seed: 4, config: .withoutFailures)
    var command = JointCommandInterfaces.holdingHome
    command.positionRad[2] = 0.3
    world.setCommand(robot: 0, command)
    for _ in 0..<200 { world.step() }
    var state = JointStateFrame()
    world.readState(robot: 0, into: &state)
    let counts = state.positionRad[2] / RobotLayout.encoderStepRad
    #expect(abs(counts - counts.rounded()) < 1e-6)
    let truth = world.trueJointPositionsRad(robot: 0)[2]
    #expect(abs(state.positionRad[2] - truth) <= RobotLayout.encoderStepRad / 2 + 1e-12)
    #expect(state.positionRad[2] != truth)
  }

  @Test("a small push is absorbed, a large one topples the robot")
  func balanceUnderPush() {
    var world = CellWorld(seed: 5, config: .withoutFailures)
    world.inject(FaultInjection(kind: .push, robot: 0, magnitude: 60, durationS: 0.2))
    var lowest = 1.0
    for _ in 0..<3000 {
      world.step()
      lowest = min(lowest, world.truth(robot: 0).balanceMarginM)
    }
    #expect(!world.truth(robot: 0).fallen)
    #expect(lowest < world.truth(robot: 0).balanceMarginM)
    #expect(world.truth(robot: 0).balanceMarginM > 0.05)
    let imuDuringCalm = world.imuSample(robot: 0)
    #expect(abs(imuDuringCalm.specificForceMPerS2.z - 9.81) < 0.1)

    world.inject(FaultInjection(kind: .push, robot: 0, magnitude: 500, durationS: 0.3))
    for _ in 0..<3000 { world.step() }
    #expect(world.truth(robot: 0).fallen)
    #expect(world.truth(robot: 0).balanceMarginM < 0)
    #expect(!world.truth(robot: 1).fallen)
  }

  @Test("no NaN or runaway over a long run with every failure mode frequent")
  func noNaNOverLongRun() {
    var config = CellWorldConfig.defaults
    for kind in WorldFault.allCases { config.failureRates[kind] = 0.3 }
    config.failureRates[.push] = 0.05
    var world = CellWorld(seed: 6, config: config)
    var experts = [ScriptedExpert(robot: 0, world: world), ScriptedExpert(robot: 1, world: world)]
    for _ in 0..<30_000 {
      for r in 0..<2 {
        if experts[r].result != nil || world.truth(robot: r).nutState == .none {
          world.removeNut(robot: r)
          world.presentNut(robot: r)
          experts[r].startCycle()
        }
        experts[r].act(world: &world)
      }
      world.step()
    }
    for r in 0..<2 {
      for value in world.trueJointPositionsRad(robot: r) + world.trueJointVelocitiesRadPerS(robot: r) {
        #expect(value.isFinite)
      }
      let truth = world.truth(robot: r)
      #expect(truth.comM.x.isFinite && truth.nutPositionM.x.isFinite && truth.balanceMarginM.isFinite)
      let imu = world.imuSample(robot: r)
      #expect(imu.specificForceMPerS2.x.isFinite && imu.orientation.w.isFinite)
    }
  }

  @Test("same seed, same trace; another seed, another trace")
  func determinism() {
    func trace(seed: UInt64) -> UInt64 {
      var config = CellWorldConfig.defaults
      config.failureRates[.cameraGlare] = 0.3
      config.failureRates[.gripVariation] = 0.3
      var world = CellWorld(seed: seed, config: config)
      var experts = [ScriptedExpert(robot: 0, world: world), ScriptedExpert(robot: 1, world: world)]
      var hash = TraceHash()
      var state = JointStateFrame()
      for r in 0..<2 { world.presentNut(robot: r) }
      for tick in 0..<8000 {
        for r in 0..<2 { experts[r].act(world: &world) }
        world.step()
        if tick % 50 == 0 {
          for r in 0..<2 {
            world.readState(robot: r, into: &state)
            for x in state.positionRad + state.torqueNm { hash.add(x) }
            let truth = world.truth(robot: r)
            hash.add(truth.nutPositionM.x)
            hash.add(truth.nutYawRad)
            hash.add(truth.comM.y)
          }
        }
      }
      for c in 0..<world.cameras.count { hash.add(bytes: world.cameraPixels(c)) }
      hash.add(world.simTimeS)
      return hash.value
    }
    #expect(trace(seed: 11) == trace(seed: 11))
    #expect(trace(seed: 11) != trace(seed: 12))
  }
}
