import ArgumentParser
import CellWorld
import Foundation
import JointBus
import RobotHardware
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// `workcell-bench sim`: simulated seconds per wall second of the cell's world at 1 kHz with its
/// sensors on — the world alone (robots holding, and driven by the scripted expert), and in
/// lock-step with a controller across the UDP joint bus — plus the scripted expert's success
/// rate against each failure rate.
struct SimBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sim",
    abstract: "Real-time factor of the simulated cell (world alone, lock-step over the UDP joint bus); expert vs failure rates.",
    discussion: """
      World alone: CellWorld stepped in this process with default sensor rates (cameras 10 Hz, \
      tactile 100 Hz, IMU 200 Hz), robots holding or running cycles under the scripted expert. \
      Lock-step: a simulator thread owning the world and a UDP socket steps once both robots' \
      command datagrams for the tick have arrived and answers with state datagrams; a controller \
      thread decodes states and sends commands (docs/joint-bus.md), over 127.0.0.1.
      """
  )

  @Option(help: "Simulated seconds per measurement.")
  var simSeconds: Double = 60

  @Option(help: "Expert cycles per failure rate (0 skips the table).")
  var cycles: Int = 40

  @Option(help: "Lock-step: non-blocking reads before blocking in poll (worth it only with a free core per loop).")
  var spins: Int = 0

  func validate() throws {
    guard simSeconds > 0, cycles >= 0, spins >= 0 else {
      throw ValidationError("--sim-seconds must be > 0, --cycles and --spins ≥ 0.")
    }
  }

  func run() throws {
    #if DEBUG
      print("warning: this is a debug build; measure with a release build.")
    #endif
    let steps = Int(simSeconds * 1000)
    for robots in [1, 2] {
      var config = CellWorldConfig.defaults
      config.robotCount = robots
      var world = CellWorld(seed: 1, config: config)
      var start = ContinuousClock.now
      for _ in 0..<steps { world.step() }
      var wall = Self.seconds(ContinuousClock.now - start)
      print("sim_world_hold_\(robots)robot_rtf: \(Self.fixed(simSeconds / wall)) x")

      world = CellWorld(seed: 1, config: config)
      var experts = (0..<robots).map { ScriptedExpert(robot: $0, world: world) }
      var finished = 0
      start = ContinuousClock.now
      for _ in 0..<steps {
        for r in 0..<robots {
          if experts[r].result != nil || world.truth(robot: r).nutState == .none {
            if experts[r].result != nil { finished += 1 }
            world.removeNut(robot: r)
            world.presentNut(robot: r)
            experts[r].startCycle()
          }
          experts[r].act(world: &world)
        }
        world.step()
      }
      wall = Self.seconds(ContinuousClock.now - start)
      print("sim_world_expert_\(robots)robot_rtf: \(Self.fixed(simSeconds / wall)) x")
      print("sim_world_expert_\(robots)robot_step_us: \(Self.fixed(wall / Double(steps) * 1e6)) us")
      print("sim_world_expert_\(robots)robot_cycles: \(finished) cycles")
    }
    for robots in [1, 2] {
      let rtf = try LockStepBench(robots: robots, steps: steps, spins: spins).run()
      print("sim_lockstep_udp_\(robots)robot_rtf: \(Self.fixed(rtf)) x")
    }
    guard cycles > 0 else { return }
    let kinds: [WorldFault] = [.splinePhaseError, .gripVariation, .magneticPull, .crossThread]
    for kind in kinds {
      for rate in [0.0, 0.05, 0.1, 0.2, 0.5] {
        var config = CellWorldConfig.withoutFailures
        config.robotCount = 1
        config.failureRates[kind] = rate
        var world = CellWorld(seed: 42, config: config)
        var expert = ScriptedExpert(robot: 0, world: world)
        var fastened = 0
        for _ in 0..<cycles where ScriptedExpert.runCycle(world: &world, expert: &expert) == .fastened { fastened += 1 }
        print("sim_expert_success_\(kind)_rate_\(rate): \(Self.fixed(Double(fastened) / Double(cycles))) fraction")
      }
    }
    var config = CellWorldConfig.defaults
    config.robotCount = 1
    var world = CellWorld(seed: 42, config: config)
    var expert = ScriptedExpert(robot: 0, world: world)
    var fastened = 0
    for _ in 0..<cycles where ScriptedExpert.runCycle(world: &world, expert: &expert) == .fastened { fastened += 1 }
    print("sim_expert_success_default_rates: \(Self.fixed(Double(fastened) / Double(cycles))) fraction")
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  static func fixed(_ x: Double) -> String { String(format: "%.3f", x) }
}

/// Lock-step over real UDP sockets on 127.0.0.1: simulator thread and controller thread.
struct LockStepBench {
  let robots: Int
  let steps: Int
  /// Non-blocking reads before blocking in poll (spinning pays only with a free core per loop).
  var spins = 0

  static func udpSocket() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard fd >= 0, bound == 0 else { throw BenchError("cannot bind a UDP socket on 127.0.0.1") }
    var actual = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, UInt16(bigEndian: actual.sin_port))
  }

  static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, to port: UInt16) {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }

  /// One datagram's length, or 0 after 100 ms. Spins on non-blocking reads first (a 1 kHz loop
  /// cannot afford a sleeping thread's wake-up), then blocks in poll.
  static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, spins: Int) -> Int {
    for spin in 0..<spins {
      let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
      if count > 0 { return count }
      if spin % 50 == 49 { sched_yield() }
    }
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, 100) > 0 else { return 0 }
    return max(recv(fd, buffer.baseAddress, buffer.count, 0), 0)
  }

  /// Simulated seconds per wall second.
  func run() throws -> Double {
    let sim = try Self.udpSocket()
    let controller = try Self.udpSocket()
    defer {
      close(sim.fd)
      close(controller.fd)
    }
    let robots = self.robots
    let steps = self.steps
    let spins = self.spins
    let failures = Atomic<Int>(0)
    let simThread = Thread {
      var config = CellWorldConfig.defaults
      config.robotCount = robots
      var world = CellWorld(seed: 2, config: config)
      var command = JointBusCommand()
      var frame = JointCommandInterfaces.holdingHome
      var measured = JointStateFrame()
      var state = JointBusState()
      var inbound = [UInt8](repeating: 0, count: 2048)
      var outbound = [UInt8](repeating: 0, count: JointBus.stateSize)
      var arrived = [Bool](repeating: false, count: robots)
      while Int(world.stepIndex) < steps {
        let count = inbound.withUnsafeMutableBytes { Self.receive(sim.fd, into: $0, spins: spins) }
        guard count > 0 else {
          failures.add(1, ordering: .relaxed)
          if failures.load(ordering: .relaxed) > 50 { return }
          continue
        }
        let ok: Bool = inbound.withUnsafeBytes { raw in
          (try? command.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]))) != nil
        }
        guard ok, Int(command.header.robot) < robots else { continue }
        let robot = Int(command.header.robot)
        for j in 0..<JointBus.jointCount {
          frame.positionRad[j] = command.positionRad[j]
          frame.velocityRadPerS[j] = command.velocityRadPerS[j]
          frame.torqueNm[j] = command.torqueNm[j]
          frame.kp[j] = command.kp[j]
          frame.kd[j] = command.kd[j]
        }
        world.setCommand(robot: robot, frame)
        arrived[robot] = true
        guard arrived.allSatisfy({ $0 }) else { continue }
        for r in 0..<robots { arrived[r] = false }
        world.step()
        for r in 0..<robots {
          world.readState(robot: r, into: &measured)
          state.header = .init(robot: UInt8(r), sequence: world.stepIndex, timestampNs: world.stepIndex * 1_000_000)
          for j in 0..<JointBus.jointCount {
            state.positionRad[j] = measured.positionRad[j]
            state.velocityRadPerS[j] = measured.velocityRadPerS[j]
            state.torqueNm[j] = measured.torqueNm[j]
          }
          state.appliedCommandSequence = command.header.sequence
          outbound.withUnsafeMutableBytes { buffer in
            state.encode(into: buffer)
            Self.send(sim.fd, UnsafeRawBufferPointer(buffer), to: controller.port)
          }
        }
      }
    }
    let start = ContinuousClock.now
    simThread.start()
    // The controller: a joint-space sine on the right arm, PD gains of the hold pose.
    var command = JointBusCommand()
    var state = JointBusState()
    var inbound = [UInt8](repeating: 0, count: 2048)
    var outbound = [UInt8](repeating: 0, count: JointBus.commandSize)
    for j in 0..<JointBus.jointCount {
      command.positionRad[j] = RobotLayout.homeRad[j % 7]
      command.kp[j] = RobotLayout.holdKp[j % 7]
      command.kd[j] = RobotLayout.holdKd[j % 7]
    }
    command.gripperWidthM = [0.08, 0.08]
    command.gripperForceN = [20, 20]
    var sequence: UInt64 = 0
    func sendCommands(tick: UInt64) {
      let t = Double(tick) * 0.001
      for r in 0..<robots {
        sequence += 1
        command.header = .init(robot: UInt8(r), sequence: sequence, timestampNs: tick * 1_000_000)
        command.positionRad[7] = RobotLayout.homeRad[0] + 0.3 * sin(2 * .pi * 0.5 * t)
        command.positionRad[10] = RobotLayout.homeRad[3] + 0.2 * sin(2 * .pi * 0.5 * t)
        outbound.withUnsafeMutableBytes { buffer in
          command.encode(into: buffer)
          Self.send(controller.fd, UnsafeRawBufferPointer(buffer), to: sim.port)
        }
      }
    }
    sendCommands(tick: 0)
    var received = 0
    var lastTick: UInt64 = 0
    while lastTick < UInt64(steps) {
      let count = inbound.withUnsafeMutableBytes { Self.receive(controller.fd, into: $0, spins: spins) }
      guard count > 0 else {
        if failures.load(ordering: .relaxed) > 50 { throw BenchError("the lock-step simulator stopped answering") }
        sendCommands(tick: lastTick)  // a lost datagram: resend
        continue
      }
      let ok: Bool = inbound.withUnsafeBytes { raw in
        (try? state.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]))) != nil
      }
      guard ok else { continue }
      received += 1
      if received % robots == 0 {
        lastTick = state.header.sequence
        if lastTick < UInt64(steps) { sendCommands(tick: lastTick) }
      }
    }
    let wall = SimBenchmark.seconds(ContinuousClock.now - start)
    return Double(steps) / 1000 / wall
  }
}
