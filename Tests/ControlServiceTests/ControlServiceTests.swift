import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Testing
import WorkcellProto
import WorkcellRuntime

@testable import CellSimService
@testable import ControlService

/// control in-process over real gRPC, driving a robot of an in-process cell-sim over the real UDP
/// joint bus (free-running world at real time on the wall clock; one test lock-stepped on the
/// joint-bus clock). Serialized: each test runs two 1 kHz threads (the world and the loop), and CI
/// has two cores.
@Suite("control against cell-sim's joint bus, in-process", .serialized)
struct ControlServiceTests {
  typealias ControlClient = Workcell_Control_V1_Control.Client<HTTP2ClientTransport.Posix>

  struct Rig: Sendable {
    let control: ControlClient
    let sim: Workcell_Sim_V1_SimControl.Client<HTTP2ClientTransport.Posix>
    let controlMember: FleetMember
    let simGroup: ServiceGroup
  }

  static let logger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
  }()

  /// A cell-sim (reset at real time unless `reset` is false) and a control process for its left
  /// robot, for `body`; both stop afterwards, and the loop's thread with them.
  static func withRig(
    reset: Bool = true, lockStep: Bool = false, clock: String = "wall", extraArguments: [String] = [],
    _ body: @Sendable (Rig) async throws -> Void
  ) async throws {
    let simMember = try await FleetMember.build(
      CellSimService.self, options: CellSimService.Options.parse(["--joint-bus-port", "0", "--plc-port-base", "0"]),
      host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0), environment: [:], logger: logger)
    let busPort = try #require(simMember.services.compactMap { $0 as? SimWorldLoop }.first).jointBusPort
    let simGroup = FleetRunner.makeGroup(members: [simMember], grace: .seconds(1), signals: [], logger: logger)
    let controlMember = try await FleetMember.build(
      ControlService.self,
      options: ControlOptions.parse(
        ["--robot", "left", "--joint-bus", "127.0.0.1:\(busPort)", "--clock", clock] + extraArguments),
      host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0), environment: [:], logger: logger)
    let controlGroup = FleetRunner.makeGroup(members: [controlMember], grace: .seconds(1), signals: [], logger: logger)
    let loop = try #require(controlMember.services.compactMap { $0 as? ControlLoop }.first)

    try await withThrowingTaskGroup { group in
      group.addTask { try await simGroup.run() }
      group.addTask { try await controlGroup.run() }
      let outcome: Result<Void, any Error>
      do {
        let simPort = try await simMember.grpcPort()
        let controlPort = try await controlMember.grpcPort()
        try await withGRPCClient(
          transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: simPort), transportSecurity: .plaintext)
        ) { simClient in
          try await withGRPCClient(
            transport: .http2NIOPosix(
              target: .ipv4(address: "127.0.0.1", port: controlPort), transportSecurity: .plaintext)
          ) { controlClient in
            let sim = Workcell_Sim_V1_SimControl.Client(wrapping: simClient)
            let control = ControlClient(wrapping: controlClient)
            if reset {
              _ = try await sim.reset(
                .with {
                  $0.seed = 3
                  $0.config = .with {
                    $0.targetRealTimeFactor = 1
                    $0.lockStep = lockStep
                    $0.sensorRates = .with {
                      $0.cameraHz = 0
                      $0.tactileHz = 0
                    }
                  }
                })
              // Holding once the first states arrive.
              let deadline = ContinuousClock.now + .seconds(10)
              while (try? await control.hold(.init())) == nil {
                try #require(ContinuousClock.now < deadline, "control never reached holding on cell-sim's joint bus")
                try await Task.sleep(for: .milliseconds(20))
              }
            }
            try await body(Rig(control: control, sim: sim, controlMember: controlMember, simGroup: simGroup))
          }
        }
        outcome = .success(())
      } catch {
        outcome = .failure(error)
      }
      await controlGroup.triggerGracefulShutdown()
      await simGroup.triggerGracefulShutdown()
      try await group.waitForAll()
      try outcome.get()
    }
    #expect(!loop.isThreadRunning, "the 1 kHz thread ended with the service")
  }

  static func options(timeout: Duration) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = timeout
    return options
  }

  static func timestamp(_ date: Date) -> Google_Protobuf_Timestamp { Google_Protobuf_Timestamp(date: date) }

  /// A chunk moving the left arm from `start` by `deltaRad` on every joint, linearly over `steps`
  /// steps of `periodMs`, step 0 due `leadMs` from now.
  static func chunk(
    id: String, joints: [Workcell_Common_V1_JointState], deltaRad: Double, steps: Int = 10, periodMs: UInt32 = 50,
    leadMs: Double = 100, expiresAfterMs: Double? = nil, now: Date = Date()
  ) -> Workcell_Policy_V1_ActionChunk {
    let left = joints.filter { $0.name.hasPrefix("left_arm") }
    let observed = now.addingTimeInterval(leadMs / 1000)
    let lastDueMs = Double(steps - 1) * Double(periodMs)
    return .with {
      $0.chunkID = id
      $0.robot = .with { $0.robot = "left" }
      $0.stepPeriodMs = periodMs
      $0.observedAt = timestamp(observed)
      $0.expiresAt = timestamp(observed.addingTimeInterval((expiresAfterMs ?? (lastDueMs + 1000)) / 1000))
      $0.jointNames = left.map(\.name)
      $0.steps = (0..<steps).map { i in
        let fraction = Double(i) / Double(steps - 1)
        return .with { $0.jointPositionsRad = left.map { $0.positionRad + deltaRad * fraction } }
      }
    }
  }

  /// Runs Execute with `chunks` (sent at once, then the request stream closes) and collects the
  /// progress until the service ends the stream; `during` runs meanwhile.
  static func execute(
    _ control: ControlClient, _ chunks: [Workcell_Policy_V1_ActionChunk], timeout: Duration = .seconds(15),
    during: @escaping @Sendable () async throws -> Void = {}
  ) async throws -> [Workcell_Control_V1_ExecutionProgress] {
    try await control.execute(
      options: options(timeout: timeout),
      requestProducer: { writer in
        for chunk in chunks { try await writer.write(.with { $0.chunk = chunk }) }
        try await during()
      },
      onResponse: { response in
        var progress: [Workcell_Control_V1_ExecutionProgress] = []
        for try await message in response.messages { progress.append(message.progress) }
        return progress
      })
  }

  static func firstState(_ control: ControlClient) async throws -> Workcell_Control_V1_RobotState {
    try await control.watchState(.with { $0.maxRateHz = 50 }, options: options(timeout: .seconds(10))) { response in
      for try await message in response.messages { return message.state }
      throw RPCError(code: .unavailable, message: "WatchState ended without a state")
    }
  }

  @Test("GetState gives the robot's state now, as WatchState streams it; another robot's is NOT_FOUND")
  func getState() async throws {
    try await Self.withRig { rig in
      let streamed = try await Self.firstState(rig.control)
      let now = try await rig.control.getState(
        .with { $0.robot = .with { $0.robot = "left" } }, options: Self.options(timeout: .seconds(5))
      ).state
      #expect(now.robot.robot == "left" && now.mode == streamed.mode)
      #expect(now.joints.map(\.name) == streamed.joints.map(\.name) && now.grippers.count == 2)
      #expect(now.measuredAt.date >= streamed.measuredAt.date)
      await #expect {
        _ = try await rig.control.getState(
          .with { $0.robot = .with { $0.robot = "right" } }, options: Self.options(timeout: .seconds(5)))
      } throws: { ($0 as? RPCError)?.code == .notFound }
    }
  }

  @Test("a chunk executes to COMPLETED and the robot's joints reach its last targets")
  func completes() async throws {
    try await Self.withRig { rig in
      let start = try await Self.firstState(rig.control)
      #expect(start.mode == .holding && start.joints.count == 14 && start.grippers.count == 2)
      let chunk = Self.chunk(id: "reach-1", joints: start.joints, deltaRad: 0.1)
      let progress = try await Self.execute(rig.control, [chunk])
      let last = try #require(progress.last)
      #expect(last.chunkID == "reach-1" && last.done && last.reason == .completed, "\(last)")
      #expect(last.stepIndex == 9)
      #expect(progress.dropLast().allSatisfy { !$0.done && $0.chunkID == "reach-1" })
      #expect(progress.count >= 5, "per-step progress: \(progress.map(\.stepIndex))")
      #expect(last.trackingErrorRad < 0.02, "largest tracking error \(last.trackingErrorRad) rad")

      // Measured by cell-sim's encoders (the state datagrams), once settled.
      try await Task.sleep(for: .milliseconds(300))
      let end = try await Self.firstState(rig.control)
      #expect(end.mode == .holding && end.activeChunkID.isEmpty)
      for joint in start.joints where joint.name.hasPrefix("left_arm") {
        let reached = try #require(end.joints.first { $0.name == joint.name })
        #expect(abs(reached.positionRad - (joint.positionRad + 0.1)) < 0.01, "\(joint.name): \(reached.positionRad)")
      }
      // The loop's own 50 Hz trace over the chunk: measured joints moving towards the targets it
      // sent, one sample at the first tick of each 20 ms of loop time (one call, however many
      // ticks). On the wall clock a late tick shortens the gap to the next sample, so the test
      // counts samples per span rather than timing each gap.
      let trace = try await rig.control.getTrace(
        .with {
          $0.robot = .with { $0.robot = "left" }
          $0.from = start.measuredAt
          $0.to = end.measuredAt
        }, options: Self.options(timeout: .seconds(5)))
      #expect(trace.periodMs == 20 && trace.jointNames == start.joints.map(\.name) && trace.gripperNames.count == 2)
      #expect(trace.samples.count >= 10, "\(trace.samples.count) samples")
      let times = trace.samples.map { $0.measuredAt.date }
      #expect(zip(times, times.dropFirst()).allSatisfy { $1 > $0 })
      #expect(times.allSatisfy { $0 >= start.measuredAt.date && $0 <= end.measuredAt.date })
      let windows = end.measuredAt.date.timeIntervalSince(start.measuredAt.date) / 0.02
      #expect(Double(trace.samples.count) <= windows + 2, "\(trace.samples.count) samples in \(windows) periods")
      #expect(Double(trace.samples.count) >= windows / 2, "\(trace.samples.count) samples in \(windows) periods")
      let joint = try #require(trace.jointNames.firstIndex(of: "left_arm_joint_1"))
      let first = try #require(trace.samples.first), lastSample = try #require(trace.samples.last)
      #expect(abs(lastSample.commandedPositionRad[joint] - (first.positionRad[joint] + 0.1)) < 0.02)
      #expect(abs(lastSample.positionRad[joint] - lastSample.commandedPositionRad[joint]) < 0.01)
      await #expect {
        _ = try await rig.control.getTrace(
          .with {
            $0.robot = .with { $0.robot = "left" }
            $0.from = end.measuredAt
            $0.to = start.measuredAt
          }, options: Self.options(timeout: .seconds(5)))
      } throws: { ($0 as? RPCError)?.code == .invalidArgument }

      let metrics = rig.controlMember.metrics.emitToString()
      #expect(metrics.contains("workcell_control_loop_period_seconds_bucket"))
      #expect(metrics.contains("workcell_control_loop_jitter_seconds_bucket"))
      #expect(metrics.contains(#"workcell_control_chunks_total{robot="left",reason="completed"} 1"#))
    }
  }

  @Test("lock-stepped world on the joint-bus clock: the state datagrams pace the loop and a chunk completes")
  func lockStepped() async throws {
    try await Self.withRig(lockStep: true, clock: "joint-bus") { rig in
      let start = try await Self.firstState(rig.control)
      #expect(start.mode == .holding)
      // Stamped on the simulated clock, as services on `--clock sim` stamp what they send.
      let simNow = try await rig.sim.watchClock(.with { $0.maxRateHz = 100 }) { response in
        for try await message in response.messages { return message.tick.now.date }
        throw RPCError(code: .unavailable, message: "WatchClock ended without a tick")
      }
      let chunk = Self.chunk(id: "lockstep", joints: start.joints, deltaRad: 0.05, leadMs: 500, now: simNow)
      let progress = try await Self.execute(rig.control, [chunk])
      let last = try #require(progress.last)
      #expect(last.done && last.reason == .completed, "\(last)")
      try await Task.sleep(for: .milliseconds(300))
      let end = try await Self.firstState(rig.control)
      for joint in start.joints where joint.name.hasPrefix("left_arm") {
        let reached = try #require(end.joints.first { $0.name == joint.name })
        #expect(abs(reached.positionRad - (joint.positionRad + 0.05)) < 0.01, "\(joint.name): \(reached.positionRad)")
      }
    }
  }

  @Test("a chunk that expires before its end → EXPIRED and the robot holds; one already expired likewise")
  func expires() async throws {
    try await Self.withRig { rig in
      let start = try await Self.firstState(rig.control)
      // 20 steps over 0.95 s, but expiring 300 ms after step 0.
      let midway = Self.chunk(id: "stale", joints: start.joints, deltaRad: 0.05, steps: 20, expiresAfterMs: 300)
      let progress = try await Self.execute(rig.control, [midway])
      let last = try #require(progress.last)
      #expect(last.done && last.reason == .expired, "\(last)")
      #expect(last.stepIndex < 19)
      let after = try await Self.firstState(rig.control)
      #expect(after.mode == .holding && after.activeChunkID.isEmpty)

      let late = Self.chunk(id: "late", joints: start.joints, deltaRad: 0.05, leadMs: -2000, expiresAfterMs: 500)
      let refused = try await Self.execute(rig.control, [late])
      #expect(refused.count == 1 && refused[0].done && refused[0].reason == .expired, "\(refused)")
      #expect(try await Self.firstState(rig.control).mode == .holding)
    }
  }

  @Test("Stop category 1 interrupts the chunk → STOPPED (torque off); Resume → HOLDING")
  func stopAndResume() async throws {
    try await Self.withRig { rig in
      let start = try await Self.firstState(rig.control)
      let long = Self.chunk(id: "long", joints: start.joints, deltaRad: 0.2, steps: 40)
      let progress = try await Self.execute(rig.control, [long]) {
        try await Task.sleep(for: .milliseconds(500))
        let stopped = try await rig.control.stop(
          .with {
            $0.category = .cat1
            $0.reason = "test stop"
          }, options: Self.options(timeout: .seconds(10)))
        #expect(stopped.state.mode == .stopped, "\(stopped.state.mode)")
        #expect(stopped.state.safety.activeStop == .cat1 && stopped.state.safety.resetRequired)
        #expect(stopped.state.safety.reason.contains("test stop"))
      }
      let last = try #require(progress.last)
      #expect(last.done && last.reason == .interrupted, "\(last)")

      // Latched: no chunk while stopped.
      await #expect {
        _ = try await Self.execute(rig.control, [Self.chunk(id: "refused", joints: start.joints, deltaRad: 0.01)])
      } throws: { ($0 as? RPCError)?.code == .failedPrecondition }

      let resumed = try await rig.control.resume(.init(), options: Self.options(timeout: .seconds(10)))
      #expect(resumed.state.mode == .holding && resumed.state.safety.activeStop == .unspecified)
    }
  }

  @Test("an unknown joint, a missing id or another robot's chunk → INVALID_ARGUMENT")
  func invalidChunks() async throws {
    try await Self.withRig { rig in
      let start = try await Self.firstState(rig.control)
      var unknown = Self.chunk(id: "bad-joint", joints: start.joints, deltaRad: 0.01)
      unknown.jointNames[0] = "left_knee"
      var noID = Self.chunk(id: "x", joints: start.joints, deltaRad: 0.01)
      noID.chunkID = ""
      var otherRobot = Self.chunk(id: "right-one", joints: start.joints, deltaRad: 0.01)
      otherRobot.robot.robot = "right"
      var ragged = Self.chunk(id: "ragged", joints: start.joints, deltaRad: 0.01)
      ragged.steps[3].jointPositionsRad.removeLast()
      for chunk in [unknown, noID, otherRobot, ragged] {
        await #expect("\(chunk.chunkID) is refused") {
          _ = try await Self.execute(rig.control, [chunk])
        } throws: { error in
          let rpc = error as? RPCError
          return rpc?.code == .invalidArgument && rpc?.message.isEmpty == false
        }
      }
      #expect(try await Self.firstState(rig.control).mode == .holding)
    }
  }

  @Test("no joint-bus state → UNAVAILABLE and mode UNSPECIFIED; the bus going silent → FAULT")
  func noJointBus() async throws {
    // cell-sim not reset: its world does not run, so the bus never answers.
    try await Self.withRig(reset: false) { rig in
      try await Task.sleep(for: .milliseconds(100))
      #expect(try await Self.firstState(rig.control).mode == .unspecified)
      let joints = (1...7).map { j in Workcell_Common_V1_JointState.with { $0.name = "left_arm_joint_\(j)" } }
      await #expect {
        _ = try await Self.execute(rig.control, [Self.chunk(id: "nobus", joints: joints, deltaRad: 0.01)])
      } throws: { ($0 as? RPCError)?.code == .unavailable }
      await #expect {
        _ = try await rig.control.resume(.init(), options: Self.options(timeout: .seconds(10)))
      } throws: { ($0 as? RPCError)?.code == .unavailable }
    }
    // Connected, then cell-sim stops: no state for 50 ms → FAULT.
    try await Self.withRig { rig in
      await rig.simGroup.triggerGracefulShutdown()
      let deadline = ContinuousClock.now + .seconds(10)
      var mode = Workcell_Control_V1_ControlMode.holding
      while mode != .fault && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
        mode = try await Self.firstState(rig.control).mode
      }
      #expect(mode == .fault)
      let state = try await Self.firstState(rig.control)
      #expect(state.safety.reason.contains("joint bus"), "\(state.safety.reason)")
      await #expect {
        _ = try await Self.execute(rig.control, [Self.chunk(id: "after", joints: state.joints, deltaRad: 0.01)])
      } throws: { ($0 as? RPCError)?.code == .unavailable }
      #expect(
        rig.controlMember.metrics.emitToString().contains(#"workcell_control_joint_bus_timeouts_total{robot="left"} 1"#)
      )
    }
  }

  @Test("Home returns at the home posture, from wherever the arm was")
  func home() async throws {
    try await Self.withRig { rig in
      let first = try await rig.control.home(.init(), options: Self.options(timeout: .seconds(20))).state
      #expect(first.mode == .holding)
      let moved = Self.chunk(id: "away", joints: first.joints, deltaRad: 0.1)
      #expect(try await Self.execute(rig.control, [moved]).last?.reason == .completed)
      let again = try await rig.control.home(.init(), options: Self.options(timeout: .seconds(20))).state
      #expect(again.mode == .holding)
      for (a, b) in zip(first.joints, again.joints) {
        #expect(abs(a.positionRad - b.positionRad) < 0.02, "\(a.name): \(a.positionRad) vs \(b.positionRad)")
      }
    }
  }

  @Test("an e-stop on plc-bridge's WatchSafety stops the robot; Resume is refused until it is released")
  func plcEstop() async throws {
    let bridge = SafetyBridgeStub()
    let server = GRPCServer(
      transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
      services: [bridge])
    try await withThrowingTaskGroup { group in
      group.addTask { try await server.serve() }
      let port = try #require(try await server.listeningAddress?.ipv4?.port)
      try await Self.withRig(extraArguments: ["--plc-bridge", "127.0.0.1:\(port)"]) { rig in
        // The safety input is known and closed.
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !Self.firstState(rig.control).safety.estopOk {
          try #require(ContinuousClock.now < deadline, "safety never reported ok")
          try await Task.sleep(for: .milliseconds(20))
        }
        bridge.setEstop(ok: false)
        var state = try await Self.firstState(rig.control)
        while state.mode != .stopped && ContinuousClock.now < deadline + .seconds(5) {
          try await Task.sleep(for: .milliseconds(20))
          state = try await Self.firstState(rig.control)
        }
        #expect(state.mode == .stopped && !state.safety.estopOk && state.safety.activeStop == .cat1)
        #expect(state.safety.reason.contains("e-stop"), "\(state.safety.reason)")
        await #expect {
          _ = try await rig.control.resume(.init(), options: Self.options(timeout: .seconds(10)))
        } throws: { ($0 as? RPCError)?.code == .failedPrecondition }

        bridge.setEstop(ok: true)
        while try await !Self.firstState(rig.control).safety.estopOk {
          try await Task.sleep(for: .milliseconds(20))
        }
        // Released: still latched until Resume.
        #expect(try await Self.firstState(rig.control).mode == .stopped)
        let resumed = try await rig.control.resume(.init(), options: Self.options(timeout: .seconds(10)))
        #expect(resumed.state.mode == .holding)
      }
      server.beginGracefulShutdown()
      group.cancelAll()
    }
  }
}
