import ArgumentParser
import Foundation
import Logging
import WorkcellProto
import WorkcellRuntime

extension DemoFleet {
  /// What `workcell demo`'s options ask of the shift and the fleet.
  struct Settings: Sendable {
    var hours: Double
    var cyclesPerRobot: UInt32
    var robots: Int
    var seed: UInt64
    var failureRates: [(Workcell_Sim_V1_FaultKind, Double)]
    var postgres: String?
    var externalYield: HostPort?
    var injections: [(kind: Workcell_Sim_V1_FaultKind, magnitude: Double)]
    var estopAtS: Double?
    var realtime: Bool
    /// Keep the UDP joint bus between the world and the controllers on simulated time too.
    var udpJointBus = false
    /// Let the services reach each other over the network (gRPC on HTTP/2, the PLCs on Modbus
    /// TCP, both on loopback), not in process.
    var grpcOverNetwork = false
    /// Run the services' tasks on Swift's thread pool even when every link is in process (else
    /// they share the simulation's one thread, `SimExecutor`).
    var threadPool = false
    var maxSpeed: Double
    var scriptedPlanner = false
    var visionOnly: Bool
    var tactileRefine: Bool
    var retries: Bool
    var grpcBase: Int
    var directory: URL
    /// Where the cell writes its episodes (nil: not recorded).
    var episodes: String?
    /// Record the cameras' images with each episode, as video.
    var episodesVideo = false
    /// Robots the policy answers with another version (ROBOT=VERSION,…), as the policy's --canary.
    var canary = ""
    /// The version the policy runs in the shadow, as the policy's --shadow ("" = none).
    var shadow = ""
    /// The policy's model file (the committed one, found from wherever the demo runs).
    var modelPath = "models/policy/wc-mlp-2.safetensors"
    /// perception's learned tactile refinement (nil: the analytic line fit).
    var tactileModelPath: String?
    var logLevel: Logger.Level = .info
    /// HTTP port of the demo's yield (its page at `/` and REST API); 0 = a free port.
    var yieldHTTPPort = 0
  }

  /// Failure-mode names for --failure-rate, as docs/simulation.md's table names them.
  static let failureKinds: [String: Workcell_Sim_V1_FaultKind] = [
    "spline_phase_error": .splinePhaseError, "grip_variation": .gripVariation, "magnetic_pull": .magneticPull,
    "camera_glare": .cameraGlare, "camera_occlusion": .cameraOcclusion,
    "unexpected_tactile_contact": .unexpectedTactileContact, "cross_thread": .crossThread, "push": .push,
  ]

  /// Faults `--inject` arms, by the names docs/simulation.md uses.
  static let injectableKinds: [String: Workcell_Sim_V1_FaultKind] = failureKinds.merging([
    "feeder_jam": .feederJam, "hopper_empty": .hopperEmpty, "plc_heartbeat_loss": .plcHeartbeatLoss,
    "torque_low": .torqueLow, "torque_high": .torqueHigh,
  ]) { first, _ in first }

  /// `KIND` or `KIND:MAGNITUDE` (the unit the kind names; 0 = its default).
  static func parseInjections(_ texts: [String]) throws -> [(kind: Workcell_Sim_V1_FaultKind, magnitude: Double)] {
    try texts.map { text in
      let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
      guard let name = parts.first, let kind = injectableKinds[name],
        let magnitude = parts.count == 2 ? Double(parts[1]) : 0, magnitude >= 0, magnitude.isFinite
      else {
        throw ValidationError(
          "--inject wants KIND or KIND:MAGNITUDE (≥ 0) with KIND one of \(injectableKinds.keys.sorted().joined(separator: ", ")); got '\(text)'.")
      }
      return (kind, magnitude)
    }
  }

  static func parseRates(_ texts: [String]) throws -> [(Workcell_Sim_V1_FaultKind, Double)] {
    try texts.map { text in
      let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let kind = failureKinds[parts[0]], let rate = Double(parts[1]), (0...1).contains(rate) else {
        throw ValidationError(
          "--failure-rate wants KIND=P with P in [0, 1] and KIND one of \(failureKinds.keys.sorted().joined(separator: ", ")); got '\(text)'.")
      }
      return (kind, rate)
    }
  }
}

extension DemoFleet.Settings {
  // Port plan of the demo: the fleet order from grpcBase, then the joint bus (UDP), the right
  // robot's control, and the simulated PLCs (Modbus TCP, one port per side).
  var jointBusPort: Int { FleetPortPlan.jointBusPort(grpcBase: grpcBase) }
  var rightControlPort: Int { jointBusPort + 1 }
  /// The simulated PLCs' Modbus TCP ports, one per side.
  var plcPorts: [Int] { (0..<robots).map { jointBusPort + 3 + $0 } }
  func port(_ service: String) -> Int { grpcBase + FleetPortPlan.offset(of: service)! }

  /// The services the demo's process runs, in start order.
  var serviceOrder: [String] {
    ["cell-sim", "yield", "plc-bridge", "perception", "policy", "control", "cell"].filter {
      !($0 == "yield" && externalYield != nil)
    }
  }

  /// The gRPC ports of the services the demo's process runs.
  var servedPorts: [Int] { serviceOrder.map(port) + (robots == 2 ? [rightControlPort] : []) }
}
