import CellWorld
import Foundation
import JointBus
import Logging
import RobotHardware
import ServiceLifecycle
import SimulatedTime
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Steps the world on its own thread — at the target real-time factor, as fast as possible, or
/// in lock-step with the controllers on the joint bus — and serves the joint bus's UDP socket
/// (docs/joint-bus.md) from the same thread, so a tick costs no thread hop.
final class SimWorldLoop: Service, Sendable {
  /// How long a lock-stepped world waits for a missing command before it holds the last one.
  static let lockStepTimeout = Duration.milliseconds(20)
  /// The same on a simulated clock, where a late command must not change what happens: only a
  /// controller that went away is stepped past.
  static let clockedLockStepTimeout = Duration.seconds(2)
  /// How long the clock's owner waits for a participant that does not go back to sleep before
  /// it logs a stall and steps on.
  static let clockStallLimitS = 5.0

  let host: SimWorldHost
  let logger: Logger
  /// The UDP port the joint bus is bound to.
  let jointBusPort: Int
  private let socket: Int32
  private let stopped = Atomic<Bool>(false)
  private let finished = Atomic<Bool>(false)

  /// Binds the joint bus's UDP socket on `host`:`port` (0 = an ephemeral port).
  init(host: SimWorldHost, bindHost: String, port: Int, logger: Logger) throws {
    self.host = host
    self.logger = logger
    let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw SimLoopError("Cannot open the joint bus's UDP socket (errno \(errno)).") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr(bindHost == "0.0.0.0" || bindHost.isEmpty ? "0.0.0.0" : bindHost)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else {
      close(fd)
      throw SimLoopError("Cannot bind the joint bus to udp \(bindHost):\(port) (errno \(errno)); is the port taken?")
    }
    var actual = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    socket = fd
    jointBusPort = Int(UInt16(bigEndian: actual.sin_port))
  }

  deinit { close(socket) }

  func run() async throws {
    logger.info("joint bus listening", metadata: ["udp_port": "\(jointBusPort)"])
    if let clock = host.clock, let executor = clock.executor {
      // The fleet runs on one thread: the world steps on it, between the participants' jobs.
      executor.runOwner(
        { [self] in
          self.loop()
          self.finished.store(true, ordering: .sequentiallyConsistent)
        }, wake: { clock.poke() })
    } else {
      let thread = Thread { [self] in
        self.loop()
        self.finished.store(true, ordering: .sequentiallyConsistent)
      }
      thread.name = "cell-sim world"
      thread.start()
    }
    try? await gracefulShutdown()
    stopped.store(true, ordering: .sequentiallyConsistent)
    while !finished.load(ordering: .sequentiallyConsistent) { try? await Task.sleep(for: .milliseconds(2)) }
  }

  /// The stepping thread.
  private func loop() {
    var datagram = [UInt8](repeating: 0, count: 2048)
    var outgoing = [UInt8](repeating: 0, count: JointBus.stateSize)
    var command = JointBusCommand()
    var frame = JointCommandInterfaces.holdingHome
    var measured = JointStateFrame()
    // What an in-process controller reads and writes (the robot's state and command interfaces).
    var stateInterfaces = JointStateInterfaces()
    var commandInterfaces = JointCommandInterfaces()
    var stateMessage = JointBusState()
    var controllers: [sockaddr_in?] = [nil, nil]
    var pending = [false, false]
    /// The tick (bus time) each controller's newest command answers.
    var commandTimeNs: [UInt64] = [0, 0]
    var appliedSequence: [UInt64] = [0, 0]
    var generation: UInt64 = 0
    var anchorWall = ContinuousClock.now
    var anchorStep: UInt64 = 0
    var lastStepWall = ContinuousClock.now
    var rateWall = ContinuousClock.now
    var rateStep: UInt64 = 0
    var badDatagrams = 0

    /// A Reset since the last look: pacing and rate measurement start again.
    func restartIfReset(_ run: inout SimWorldHost.Run, at now: ContinuousClock.Instant) {
      guard run.generation != generation else { return }
      generation = run.generation
      anchorWall = now
      anchorStep = 0
      rateWall = now
      rateStep = 0
      lastStepWall = now
      pending = [false, false]
    }

    /// Steps due by the target speed (anchored at the run's start or the last catch-up).
    func stepsDue(_ run: SimWorldHost.Run, at now: ContinuousClock.Instant) -> Int {
      let elapsedS = Double((now - anchorWall).components.attoseconds) * 1e-18 + Double((now - anchorWall).components.seconds)
      return Int(elapsedS * run.targetRealTimeFactor * 1000) - Int(run.world.stepIndex - anchorStep)
    }

    /// The real-time factor over the last wall second (until the first second has passed, over
    /// what there is).
    func measureRate(_ run: inout SimWorldHost.Run, at now: ContinuousClock.Instant) {
      let windowS = Double((now - rateWall).components.seconds) + Double((now - rateWall).components.attoseconds) * 1e-18
      if windowS >= 1 || (windowS >= 0.1 && rateStep == 0) {
        run.measuredRealTimeFactor = Double(run.world.stepIndex &- rateStep) / 1000 / windowS
      }
      if windowS >= 1 {
        rateWall = now
        rateStep = run.world.stepIndex
      }
    }

    /// Copies a command datagram's targets into the world's command frame (unless it only holds).
    func setFrame(from command: JointBusCommand) -> Bool {
      guard command.flags & 1 == 0 else { return false }
      for j in 0..<JointBus.jointCount {
        frame.positionRad[j] = command.positionRad[j]
        frame.velocityRadPerS[j] = command.velocityRadPerS[j]
        frame.torqueNm[j] = command.torqueNm[j]
        frame.kp[j] = command.kp[j]
        frame.kd[j] = command.kd[j]
      }
      for g in 0..<JointBus.gripperCount {
        frame.gripperWidthM[g] = command.gripperWidthM[g]
        frame.gripperForceN[g] = command.gripperForceN[g]
      }
      return true
    }

    /// A controller answered with a command stamped `timeNs`: its command is the robot's from
    /// the next step.
    func answered(robot: Int, atNanoseconds timeNs: UInt64) {
      pending[robot] = true
      commandTimeNs[robot] = timeNs
    }

    /// The step's state to every controller: by a call to one ticked in this process, with the
    /// state and command interfaces themselves (its command then applies at once), or over UDP.
    func sendStates(_ world: inout CellWorld, held: [Bool]) {
      for robot in 0..<world.robotCount {
        let inProcess = host.jointBusHub?.isAttached(robot: robot) ?? false
        guard controllers[robot] != nil || inProcess else { continue }
        world.readState(robot: robot, into: &measured)
        measured.copy(into: &stateInterfaces, measuredAtNanoseconds: world.stepIndex * 1_000_000)
        if inProcess, let hub = host.jointBusHub {
          if let timeNs = hub.tick(robot: robot, state: &stateInterfaces, command: &commandInterfaces) {
            world.setCommand(robot: robot, commandInterfaces)
            answered(robot: robot, atNanoseconds: timeNs)
          }
          continue
        }
        stateMessage.header = .init(
          robot: UInt8(robot), sequence: world.stepIndex, timestampNs: stateInterfaces.measuredAtNanoseconds)
        stateMessage.setMeasurements(from: stateInterfaces)
        stateMessage.appliedCommandSequence = appliedSequence[robot]
        stateMessage.status = (measured.fallen ? 1 : 0) | (held[robot] ? 2 : 0)
        guard var address = controllers[robot] else { continue }
        outgoing.withUnsafeMutableBytes { buffer in
          stateMessage.encode(into: buffer)
          _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
              sendto(socket, buffer.baseAddress, JointBus.stateSize, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
          }
        }
      }
    }

    /// In-process controllers apply their clients' requests while time stands still.
    let serviceControllers: () -> Void = { [host] in host.jointBusHub?.serviceRequests() }
    if let clock = host.clock, let hub = host.jointBusHub { hub.onRequests { clock.poke() } }
    /// On the clock the socket is read once per step or wait, not on every pass (each read is a
    /// system call; the clock's owner passes here several times per step).
    var socketDue = true
    var idleWaitSince: ContinuousClock.Instant?
    var idleStallLogged = false
    /// On the fleet's simulated clock (docs/simulation.md, "Simulated time"): once every
    /// connected controller has answered the current step, the clock moves to it (waking the
    /// participants due, one at a time); the next step is taken only when nobody holds the clock.
    func stepOnClock(_ clock: SimulationClock) {
      enum Next { case wait, advance(Int64), waitIdle, stepped }
      let now = ContinuousClock.now
      let next: Next = host.withRun { run in
        guard run != nil else { return .wait }
        restartIfReset(&run!, at: now)
        let connected = (0..<run!.world.robotCount).filter {
          controllers[$0] != nil || (host.jointBusHub?.isAttached(robot: $0) ?? false)
        }
        // A controller answers this step with a command stamped with the step's time (one that
        // merely repeats its last command while it waits is not an answer).
        let stepNs = run!.world.stepIndex &* 1_000_000
        let missing = connected.filter { !(pending[$0] && commandTimeNs[$0] >= stepNs) }
        let allIn = missing.isEmpty
        if run!.lockStep, !allIn, now - lastStepWall <= Self.clockedLockStepTimeout { return .wait }
        let target = run!.clockOffsetUs + Int64(run!.world.stepIndex) * 1000
        if clock.elapsedMicroseconds < target { return .advance(target) }
        if run!.targetRealTimeFactor > 0 {
          let due = stepsDue(run!, at: now)
          if due > 1000 {
            anchorWall = now
            anchorStep = run!.world.stepIndex
          } else if due <= 0 {
            return .wait
          }
        }
        guard clock.isIdle else { return .waitIdle }
        var held = [false, false]
        for r in missing { held[r] = true }
        run!.world.step()
        if run!.world.stepIndex % 10 == 0 { SimWorldHost.linkPLCs(&run!, plcs: host.plcs) }
        // Cleared before the states go out: a controller ticked in this process answers at once.
        pending = [false, false]
        sendStates(&run!.world, held: held)
        lastStepWall = now
        measureRate(&run!, at: now)
        return .stepped
      }
      if case .waitIdle = next {} else {
        idleWaitSince = nil
        idleStallLogged = false
      }
      switch next {
      case .stepped: socketDue = true
      case .advance(let target):
        if !clock.advance(toMicroseconds: target, stallLimitS: Self.clockStallLimitS, service: serviceControllers) {
          logger.warning(
            "simulated clock: a participant held the clock past the stall limit; stepping on",
            metadata: [
              "holds": "\(clock.holds)", "stall": "\(clock.lastStall)",
              "stall_limit_s": "\(Self.clockStallLimitS)",
            ])
        }
      case .waitIdle:
        if !clock.waitUntilIdle(timeoutS: 0.001, service: serviceControllers) {
          let since = idleWaitSince ?? now
          idleWaitSince = since
          if now - since > .seconds(Self.clockStallLimitS), !idleStallLogged {
            idleStallLogged = true
            logger.warning(
              "simulated clock: held for \(Self.clockStallLimitS) s of wall time without a step",
              metadata: ["holders": "\(clock.holders)", "sim_us": "\(clock.elapsedMicroseconds)"])
          }
          return
        }
      case .wait:
        // Controllers ticked in this process answer their clients even while the world waits
        // (before a Reset, or paced to a target speed).
        socketDue = true
        serviceControllers()
        if clock.executor != nil, controllers.allSatisfy({ $0 == nil }) {
          // The participants' jobs run here: wait for one (or a millisecond), not for the socket.
          clock.waitForPoke(timeoutS: 0.001, service: serviceControllers)
        } else {
          var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
          _ = poll(&descriptor, 1, 1)
        }
      }
    }

    while !stopped.load(ordering: .relaxed) {
      // 1. Every command waiting on the socket.
      while host.clock == nil || socketDue {
        var from = sockaddr_in()
        var fromLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = datagram.withUnsafeMutableBytes { buffer in
          withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
              recvfrom(socket, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, &fromLength)
            }
          }
        }
        guard count > 0 else {
          socketDue = false
          break
        }
        let decoded: Result<Void, JointBusError> = datagram.withUnsafeBytes { raw in
          do throws(JointBusError) {
            try command.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
            return .success(())
          } catch {
            return .failure(error)
          }
        }
        if case .failure(let error) = decoded {
          badDatagrams += 1
          if badDatagrams.isPowerOf2 {
            logger.warning("joint bus: datagram dropped", metadata: ["reason": "\(error.message)", "dropped": "\(badDatagrams)"])
          }
          continue
        }
        let robot = Int(command.header.robot)
        guard robot < 2 else { continue }
        controllers[robot] = from
        if setFrame(from: command) {
          host.withRun { run in
            guard run != nil, robot < run!.world.robotCount else { return }
            run!.world.setCommand(robot: robot, frame)
          }
        }
        answered(robot: robot, atNanoseconds: command.header.timestampNs)
        appliedSequence[robot] = command.header.sequence
      }

      // 2. Step as the run asks.
      if let clock = host.clock {
        // Jobs of tasks outside any activity (queued since the last look) run between steps.
        clock.executor?.runPending()
        stepOnClock(clock)
        continue
      }
      let now = ContinuousClock.now
      let waitNs: Int = host.withRun { run -> Int in
        guard run != nil else { return 10_000_000 }
        restartIfReset(&run!, at: now)
        let robotCount = run!.world.robotCount
        var steps = 0
        var held = [false, false]
        let connected = (0..<robotCount).filter { controllers[$0] != nil }
        func dueSteps() -> Int { stepsDue(run!, at: now) }
        if run!.lockStep, !connected.isEmpty {
          // Lock-step with a target speed steps no faster than that speed: the fleet's slower
          // loops (the sequencer's replanning) keep up with the world.
          let paced = run!.targetRealTimeFactor <= 0 || dueSteps() > 0
          let allIn = connected.allSatisfy { pending[$0] }
          if paced, allIn || now - lastStepWall > Self.lockStepTimeout {
            steps = 1
            for r in connected where !pending[r] { held[r] = true }
          }
        } else if run!.targetRealTimeFactor <= 0 {
          steps = 20
        } else {
          let due = dueSteps()
          if due > 1000 {
            // Fell behind by more than a simulated second: drop the backlog, don't sprint.
            anchorWall = now
            anchorStep = run!.world.stepIndex
            steps = 1
          } else {
            steps = min(max(due, 0), 50)
          }
        }
        for _ in 0..<steps {
          run!.world.step()
          if run!.world.stepIndex % 10 == 0 { SimWorldHost.linkPLCs(&run!, plcs: host.plcs) }
          sendStates(&run!.world, held: held)
          pending = [false, false]
          lastStepWall = now
        }
        measureRate(&run!, at: now)
        if steps > 0 { return 0 }
        if run!.lockStep, !connected.isEmpty {
          if run!.targetRealTimeFactor > 0, dueSteps() > 1000 {
            // Fell behind the target by a simulated second: re-anchor rather than sprint.
            anchorWall = now
            anchorStep = run!.world.stepIndex
          }
          return 1_000_000
        }
        let rate = max(run!.targetRealTimeFactor, 1e-3)
        return min(Int(1_000_000 / rate), 2_000_000)
      }
      if waitNs > 0 {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(max(waitNs / 1_000_000, 1)))
      }
    }
  }
}

/// The stepping loop could not start.
struct SimLoopError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

extension Int {
  fileprivate var isPowerOf2: Bool { self > 0 && (self & (self - 1)) == 0 }
}
