import Foundation
import SimulatedTime
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization
import WorkcellProto
import WorkcellRuntime

typealias Transport = FleetClientTransport

/// The cell's gRPC clients: one connection per peer service, and one per robot's control.
final class CellPeers: Sendable {
  let perception: Workcell_Perception_V1_Perception.Client<Transport>
  let policy: Workcell_Policy_V1_Policy.Client<Transport>
  let plcBridge: Workcell_Plc_V1_PlcBridge.Client<Transport>
  let yield: Workcell_Yield_V1_Yield.Client<Transport>
  let sim: Workcell_Sim_V1_SimControl.Client<Transport>
  let controls: [String: Workcell_Control_V1_Control.Client<Transport>]
  /// The policy's `grpc.health.v1` on the same connection, probed while a robot holds for it.
  let policyHealth: Grpc_Health_V1_Health.Client<Transport>
  private let clients: [GRPCClient<Transport>]

  init(_ config: CellConfig, clock: any WorkcellClock = WallClock(), inProcessGRPC: InProcessGRPC? = nil) throws {
    var clients: [GRPCClient<Transport>] = []
    func client(_ address: HostPort) throws -> GRPCClient<Transport> {
      let made = try address.grpcClient(clock: clock, inProcess: inProcessGRPC)
      clients.append(made)
      return made
    }
    perception = .init(wrapping: try client(config.perception))
    let policyClient = try client(config.policy)
    policy = .init(wrapping: policyClient)
    policyHealth = .init(wrapping: policyClient)
    plcBridge = .init(wrapping: try client(config.plcBridge))
    yield = .init(wrapping: try client(config.yield))
    sim = .init(wrapping: try client(config.sim))
    var controls: [String: Workcell_Control_V1_Control.Client<Transport>] = [:]
    for robot in config.robots {
      guard let address = robot.control else {
        throw WorkcellError(
          .invalidArgument, "Robot '\(robot.id)' has no control address; give one with --control ID=HOST:PORT.")
      }
      controls[robot.id] = .init(wrapping: try client(address))
    }
    self.controls = controls
    self.clients = clients
  }

  /// The control client of `robot` (`init` gave every configured robot one).
  func control(_ robot: String) throws(WorkcellError) -> Workcell_Control_V1_Control.Client<Transport> {
    guard let control = controls[robot] else {
      throw WorkcellError(.notFound, "The cell has no robot '\(robot)'; its robots: \(controls.keys.sorted().joined(separator: ", ")).")
    }
    return control
  }

  /// Runs every connection until `close()`.
  func run() async {
    await withDiscardingTaskGroup { group in
      for client in clients { group.addTask { try? await client.runConnections() } }
    }
  }

  func close() {
    for client in clients { client.beginGracefulShutdown() }
  }
}

/// A robot's live picture: control's RobotState (joints, grippers, mode, safety), read when the
/// sequencer decides (GetState), and the progress of the chunk control tracks, from a long-lived
/// Execute stream that reconnects when lost.
final class RobotFeed: Sendable {
  let robot: Workcell_Common_V1_EquipmentRef
  private let control: Workcell_Control_V1_Control.Client<Transport>
  /// The clock the calls' wall timeouts are read on.
  private let clock: any WorkcellClock
  private let progress = Mutex<Workcell_Control_V1_ExecutionProgress?>(nil)
  private let unreachableNow = Mutex(false)
  /// Chunks on their way to the Execute stream now open: on a simulated clock each holds the
  /// clock until it is on the wire (where the stream's own hold takes over until control read
  /// it). One stream per Execute call: an AsyncStream ends for good when the task reading it is
  /// cancelled (as a lost call's request producer is), so a stream shared across reconnects
  /// carried no chunk after control's first restart — the robot stood still until the cell
  /// restarted (found by the fault suite).
  private let chunkSink = Mutex<ClockHeldContinuation<Workcell_Policy_V1_ActionChunk>?>(nil)
  private let logger: Logger

  init(
    robot: Workcell_Common_V1_EquipmentRef, control: Workcell_Control_V1_Control.Client<Transport>, logger: Logger,
    clock: any WorkcellClock = WallClock()
  ) {
    self.robot = robot
    self.clock = clock
    self.control = control
    self.logger = logger
  }

  /// The robot's state now (GetState), or nil if control does not answer within 2 s.
  func current() async -> Workcell_Control_V1_RobotState? {
    do {
      let reply = try await control.getState(
        .with { $0.robot = robot }, options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
      unreachableNow.withLock { $0 = false }
      return reply.state
    } catch {
      unreachableNow.withLock { $0 = RobotCycleRunner.isOutage(error) }
      if !Task.isCancelled {
        logger.warning("control did not give the robot's state", metadata: ["error": "\(error)"])
      }
      return nil
    }
  }

  /// The last GetState got no answer at all (control down or unreachable), as opposed to an
  /// answer refusing the call.
  var unreachable: Bool { unreachableNow.withLock { $0 } }

  /// The progress control last reported for the chunks this feed sent.
  var lastProgress: Workcell_Control_V1_ExecutionProgress? { progress.withLock { $0 } }

  /// Hands `chunk` to control (replacing any chunk not yet sent); dropped while no Execute
  /// stream is open (the next replan sends a fresh one).
  func send(_ chunk: Workcell_Policy_V1_ActionChunk) { chunkSink.withLock { $0 }?.yield(chunk) }

  /// Keeps the Execute stream open until cancelled.
  func run() async {
    await execute()
  }

  private func execute() async {
    while !Task.isCancelled {
      let (chunks, sink) = ClockHeldStream.make(
        of: Workcell_Policy_V1_ActionChunk.self, clock: clock, bufferingPolicy: .bufferingNewest(1))
      chunkSink.withLock { $0 = sink }
      do {
        try await control.execute(
          requestProducer: { writer in
            for try await chunk in chunks { try await writer.write(.with { $0.chunk = chunk }) }
          },
          onResponse: { response in
            for try await message in response.messages {
              self.progress.withLock { $0 = message.progress }
              let p = message.progress
              // A chunk control refused or cut short says why: the plant wants to see it.
              if p.done, ![.completed, .superseded].contains(p.reason) {
                self.logger.debug(
                  "chunk ended early", metadata: ["reason": "\(p.reason)", "detail": "\(p.detail)", "chunk": "\(p.chunkID)"])
              }
            }
          })
      } catch {
        if !Task.isCancelled {
          logger.warning("control's execute stream lost; reconnecting", metadata: ["error": "\(error)"])
        }
      }
      chunkSink.withLock { $0 = nil }
      sink.finish()
      if Task.isCancelled { return }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }
}

/// The safety chain per side, from plc-bridge's WatchSafety. Unknown (never heard, or stream
/// lost) counts as open: no cycle runs on a side whose e-stop state nobody knows.
final class SafetyWatch: Sendable {
  private let sides = Mutex<[Workcell_Common_V1_Side: Bool]>([:])
  private let plcBridge: Workcell_Plc_V1_PlcBridge.Client<Transport>
  private let logger: Logger

  init(plcBridge: Workcell_Plc_V1_PlcBridge.Client<Transport>, logger: Logger) {
    self.plcBridge = plcBridge
    self.logger = logger
  }

  /// True when the side's e-stop chain is known closed.
  func estopOK(_ side: Workcell_Common_V1_Side) -> Bool { sides.withLock { $0[side] ?? false } }

  func run() async {
    while !Task.isCancelled {
      do {
        try await plcBridge.watchSafety(.init()) { response in
          for try await message in response.messages {
            self.sides.withLock { known in
              for side in message.event.sides { known[side.side] = side.estopOk }
            }
          }
        }
      } catch {
        if Task.isCancelled { return }
        logger.warning("plc-bridge's safety stream lost; treating the safety chain as open", metadata: ["error": "\(error)"])
      }
      sides.withLock { $0 = [:] }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }
}
