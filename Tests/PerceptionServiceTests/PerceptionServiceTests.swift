import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PerceptionService
import ServiceLifecycle
import SwiftProtobuf
import Testing
import WorkcellProto
import WorkcellRuntime

@testable import CellSimService

#if canImport(Glibc)
  import Glibc
#endif

/// perception in-process over real gRPC, against an in-process cell-sim: it reads only the
/// sensor streams; the test reads ground truth to score it.
@Suite("perception against an in-process cell-sim", .serialized)
struct PerceptionServiceTests {
  typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

  static func options(timeout: Duration) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = timeout
    return options
  }

  static var logger: Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
  }

  /// Runs `members` in one group around `body`, then shuts them down.
  static func running<Result: Sendable>(
    _ members: [FleetMember], _ body: @Sendable () async throws -> Result
  ) async throws -> Result {
    let group = FleetRunner.makeGroup(members: members, grace: .seconds(1), signals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Result?.self) { tasks in
      tasks.addTask {
        try await group.run()
        return nil
      }
      defer { tasks.cancelAll() }
      do {
        let result = try await body()
        await group.triggerGracefulShutdown()
        return result
      } catch {
        await group.triggerGracefulShutdown()
        throw error
      }
    }
  }

  static func client<Result: Sendable>(
    port: Int, _ body: @Sendable (Client) async throws -> Result
  ) async throws -> Result {
    try await withGRPCClient(
      transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext),
      handleClient: body)
  }

  static func perception(sensorsPort: Int, extra: [String] = []) async throws -> FleetMember {
    let options = try PerceptionOptions.parse(
      ["--sensors", "127.0.0.1:\(sensorsPort)", "--reconnect-ms", "50:500", "--max-frame-age-ms", "3000"] + extra)
    return try await FleetMember.build(
      PerceptionService.self, options: options, host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0),
      environment: [:], logger: logger)
  }

  static func cellSim() async throws -> FleetMember {
    let options = try CellSimService.Options.parse(["--plc-port-base", "0", "--joint-bus-port", "0"])
    return try await FleetMember.build(
      CellSimService.self, options: options, host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0),
      environment: [:], logger: logger)
  }

  /// The feeder presents a new nut to robot `robot` (as a rising PART_PRESENT makes the world do).
  static func presentNut(_ sim: FleetMember, robot: Int) throws {
    let loop = try #require(sim.services.compactMap { $0 as? SimWorldLoop }.first)
    loop.host.withRun { run in _ = run?.world.presentNut(robot: robot) }
  }

  static func wrapDeg(_ angle: Double, pitch: Double = 30) -> Double {
    var a = angle.truncatingRemainder(dividingBy: pitch)
    if a >= pitch / 2 { a -= pitch }
    if a < -pitch / 2 { a += pitch }
    return a
  }

  @Test(
    "PERCEIVE_PART from the feeder camera matches the ground truth; touch, refine, watch and errors",
    .timeLimit(.minutes(3)))
  func perceivePart() async throws {
    let sim = try await Self.cellSim()
    try await Self.running([sim]) {
      let simPort = try await sim.grpcPort()
      try await Self.client(port: simPort) { simClient in
        let control = Workcell_Sim_V1_SimControl.Client(wrapping: simClient)
        // One robot and 10 Hz cameras keep the world's CPU small on a loaded 2-core machine.
        _ = try await control.reset(
          .with {
            $0.seed = 11
            $0.config = .with {
              $0.robotCount = 1
              $0.targetRealTimeFactor = 1
              $0.sensorRates = .with {
                $0.cameraHz = 10
                $0.tactileHz = 50
              }
              // Clean frames: this scores accuracy; glare and occlusion (on by default) would
              // make a frame's confidence, not the service, the thing measured.
              let kinds: [Workcell_Sim_V1_FaultKind] = [
                .splinePhaseError, .gripVariation, .magneticPull, .cameraGlare, .cameraOcclusion,
                .unexpectedTactileContact, .crossThread, .push,
              ]
              $0.failureRates = kinds.map { kind in .with { $0.kind = kind } }
            }
          }, options: Self.options(timeout: .seconds(10)))

        let perception = try await Self.perception(sensorsPort: simPort)
        try await Self.running([perception]) {
          let port = try await perception.grpcPort()
          try await Self.client(port: port) { client in
            let service = Workcell_Perception_V1_Perception.Client(wrapping: client)
            let left = Workcell_Common_V1_EquipmentRef.with { $0.robot = "left" }
            var positionErrorsMm: [Double] = []
            var phaseErrorsDeg: [Double] = []
            var latenciesMs: [Double] = []
            for _ in 0..<3 {
              try Self.presentNut(sim, robot: 0)
              let before = try await control.getGroundTruth(.with { $0.robots = [left] })
              #expect(before.robots[0].nutState == .inFeeder)
              let started = ContinuousClock.now
              let response = try await service.estimate(
                .with {
                  $0.robot = left
                  $0.phase = .perceivePart
                  $0.capturedAfter = before.tick.now
                }, options: Self.options(timeout: .seconds(20)))
              latenciesMs.append(Seconds.of(ContinuousClock.now - started) * 1000)
              let estimate = response.estimate
              #expect(response.cameraImages.isEmpty, "images only when asked for")
              let truth = try await control.getGroundTruth(.with { $0.robots = [left] }).robots[0]
              #expect(estimate.trustedModality == .vision, "\(estimate.confidences)")
              #expect(estimate.capturedAt.date >= before.tick.now.date)
              #expect(estimate.nutPose.frame == "world")
              let vision = try #require(estimate.confidences.first { $0.modality == .vision })
              #expect(vision.confidence > 0.9, "\(vision)")
              let torque = try #require(estimate.confidences.first { $0.modality == .jointTorque })
              #expect(torque.confidence == 0 && torque.reason == .sensorFault)
              let d = [
                estimate.nutPose.positionM.x - truth.nutPose.positionM.x,
                estimate.nutPose.positionM.y - truth.nutPose.positionM.y,
                estimate.nutPose.positionM.z - truth.nutPose.positionM.z,
              ]
              positionErrorsMm.append((d.map { $0 * $0 }.reduce(0, +)).squareRoot() * 1000)
              phaseErrorsDeg.append(abs(Self.wrapDeg(estimate.splinePhaseDeg - truth.splinePhaseErrorDeg)))
            }
            print(
              "perception over gRPC, PERCEIVE_PART: position error mm \(positionErrorsMm), phase error deg "
                + "\(phaseErrorsDeg), latency ms (wait for a frame after captured_after + vision) \(latenciesMs)")
            // Library accuracy on clean frames: 0.03 mm mean, 0.25° max; the bounds catch a broken
            // frame, calibration or unit conversion, not noise.
            #expect(positionErrorsMm.allSatisfy { $0 < 0.3 }, "\(positionErrorsMm)")
            #expect(phaseErrorsDeg.allSatisfy { $0 < 1.0 }, "\(phaseErrorsDeg)")

            // The newest frame again, without waiting: the cached vision result, here with the
            // cameras' images for recording (the cell's --episodes-video).
            let started = ContinuousClock.now
            let withImages = try await service.estimate(
              .with {
                $0.robot = left
                $0.phase = .perceivePart
                $0.includeCameraImages = true
              }, options: Self.options(timeout: .seconds(10)))
            #expect(withImages.cameraImages.map(\.role) == ["feeder", "fixture"])
            #expect(withImages.cameraImages.map(\.camera) == ["left_feeder", "left_fixture"])
            for image in withImages.cameraImages {
              #expect(image.widthPx > 0 && image.heightPx > 0)
              #expect(image.gray8.count == Int(image.widthPx * image.heightPx))
              #expect(Set(image.gray8).count > 2, "a blank image from \(image.camera)")
            }
            print(
              "perception over gRPC, Estimate on the newest (processed) frame: \(Seconds.of(ContinuousClock.now - started) * 1000) ms"
            )

            // Nothing in the hand: touch says no contact and Refine refuses.
            let touch = try await service.estimate(
              .with {
                $0.robot = left
                $0.phase = .graspCheck
              }, options: Self.options(timeout: .seconds(10))
            ).estimate
            #expect(!touch.grasp.holding)
            #expect(touch.confidences.first { $0.modality == .tactile }?.reason == .noContact)
            await #expect {
              _ = try await service.refine(.with { $0.robot = left }, options: Self.options(timeout: .seconds(10)))
            } throws: { ($0 as? RPCError)?.code == .failedPrecondition }

            // WatchEstimates streams, capped at 5 Hz.
            let watched = try await service.watchEstimates(
              .with {
                $0.robot = left
                $0.maxRateHz = 5
              }, options: Self.options(timeout: .seconds(20))
            ) { response in
              var estimates: [Workcell_Perception_V1_StateEstimate] = []
              for try await message in response.messages {
                estimates.append(message.estimate)
                if estimates.count == 2 { break }
              }
              return estimates
            }
            #expect(watched.count == 2)

            // Errors: unknown robot, no robot, no step.
            await #expect {
              _ = try await service.estimate(
                .with {
                  $0.robot = .with { $0.robot = "middle" }
                  $0.phase = .perceivePart
                }, options: Self.options(timeout: .seconds(10)))
            } throws: { ($0 as? RPCError)?.code == .notFound }
            await #expect {
              _ = try await service.estimate(
                .with { $0.phase = .perceivePart }, options: Self.options(timeout: .seconds(10)))
            } throws: { ($0 as? RPCError)?.code == .invalidArgument }
            await #expect {
              _ = try await service.estimate(.with { $0.robot = left }, options: Self.options(timeout: .seconds(10)))
            } throws: { ($0 as? RPCError)?.code == .invalidArgument }
            // The one-robot world has no right side: its cameras are missing at the source.
            await #expect {
              _ = try await service.estimate(
                .with {
                  $0.robot = .with { $0.robot = "right" }
                  $0.phase = .perceivePart
                }, options: Self.options(timeout: .seconds(20)))
            } throws: { ($0 as? RPCError)?.code == .unavailable }

            let exposition = perception.metrics.emitToString()
            #expect(
              exposition.contains(
                #"workcell_perception_estimates_total{rpc="estimate",phase="perceive_part",trusted="vision"} 4"#),
              "\(exposition)")
            #expect(exposition.contains(#"workcell_perception_frame_processing_seconds_count{modality="vision"}"#))
            #expect(exposition.contains(#"workcell_perception_sensor_link_up{stream="camera:left_feeder"} 1"#))
          }
        }
      }
    }
  }

  @Test("no sensor source: Estimate answers UNAVAILABLE naming --sensors", .timeLimit(.minutes(1)))
  func sourceDown() async throws {
    let perception = try await Self.perception(sensorsPort: try Self.closedPort())
    try await Self.running([perception]) {
      try await Self.client(port: try await perception.grpcPort()) { client in
        let service = Workcell_Perception_V1_Perception.Client(wrapping: client)
        let started = ContinuousClock.now
        await #expect {
          _ = try await service.estimate(
            .with {
              $0.robot = .with { $0.robot = "left" }
              $0.phase = .perceivePart
            }, options: Self.options(timeout: .seconds(10)))
        } throws: { error in
          let rpc = error as? RPCError
          return rpc?.code == .unavailable && rpc?.message.contains("--sensors") == true
        }
        // Well before the caller's deadline: a person learns at once that the source is missing.
        #expect(ContinuousClock.now - started < .seconds(8))
        await #expect {
          _ = try await service.estimate(
            .with {
              $0.robot = .with { $0.robot = "nobody" }
              $0.phase = .perceivePart
            }, options: Self.options(timeout: .seconds(10)))
        } throws: { ($0 as? RPCError)?.code == .notFound }
      }
    }
  }

  @Test("--tactile-model: a missing or unreadable model stops perception before it serves, naming the file")
  func tactileModelRefused() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tac-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let junk = directory.appendingPathComponent("junk.safetensors")
    try Data("not a model".utf8).write(to: junk)
    let missing = directory.appendingPathComponent("missing.safetensors").path
    for (path, words) in [(missing, "cannot read it"), (junk.path, "not a valid safetensors file")] {
      await #expect {
        _ = try await Self.perception(sensorsPort: try Self.closedPort(), extra: ["--tactile-model", path])
      } throws: { error in
        "\(error)".contains("--tactile-model \(path)") && "\(error)".contains(words)
      }
    }
  }

  /// A loopback TCP port nothing listens on (bound, then closed).
  static func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(bound == 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}

/// Seconds of a duration.
enum Seconds {
  static func of(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}
