import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import JointBus
import Testing
import WorkcellProto

#if canImport(Glibc)
  import Glibc
#endif

/// cell-sim as the fleet sees it: the world starts at Reset, sensors stream real formats, faults
/// show in the ground truth, and the joint bus answers over UDP.
@Suite("cell-sim: world, sensors, faults and joint bus over the wire")
struct CellSimFleetTests {
  static func launch() async throws -> (FleetProcess, grpcPort: Int, jointBusPort: Int) {
    let ports = try Loopback.freePorts(3)
    let sim = try FleetProcess(
      "cell-sim",
      [
        "--host", "127.0.0.1", "--grpc-port", "\(ports[0])", "--http-port", "\(ports[1])", "--joint-bus-port",
        "\(ports[2])",
      ])
    let serving = try await waitUntilServing(port: ports[0], timeout: .seconds(30))
    try #require(serving, "cell-sim did not report SERVING within 30 s. Log:\n\(sim.log)")
    return (sim, ports[0], ports[2])
  }

  @Test("Reset starts the world; frames, truth and an injected push agree")
  func worldOverGRPC() async throws {
    let (sim, port, _) = try await Self.launch()
    defer { _ = sim.process.isRunning ? kill(sim.process.processIdentifier, SIGKILL) : 0 }
    try await withLoopbackClient(port: port) { client in
      let control = Workcell_Sim_V1_SimControl.Client(wrapping: client)
      let sensors = Workcell_Sim_V1_SimSensors.Client(wrapping: client)
      // Before Reset the world does not run, and says so.
      await #expect(throws: RPCError.self) { _ = try await control.getGroundTruth(.init()) }

      let reset = try await control.reset(
        .with {
          $0.seed = 5
          $0.config = .with {
            $0.targetRealTimeFactor = 1
            $0.sensorRates = .with { $0.cameraHz = 20 }
          }
        })
      #expect(reset.tick.running && reset.tick.step == 0)

      // Three frames of the fixture camera (20 Hz: one per 50 simulated ms), in order: GRAY8
      // 320 × 240, the pin (grey) on the optical axis, the table lighter around it. A watch sends
      // the newest frame, so on the wall clock a watcher slower than 50 ms (a loaded machine)
      // skips frames; each frame's simulated time still matches its sequence number.
      let frames = try await sensors.watchCameraFrames(.with { $0.camera = "left_fixture" }) { response in
        var frames: [Workcell_Sim_V1_CameraFrame] = []
        for try await message in response.messages {
          frames.append(message.frame)
          if frames.count == 3 { break }
        }
        return frames
      }
      #expect(zip(frames, frames.dropFirst()).allSatisfy { $1.sequence > $0.sequence })
      let simTimesMs = frames.map { $0.simTime.seconds * 1000 + Int64($0.simTime.nanos / 1_000_000) }
      #expect(simTimesMs == frames.map { Int64($0.sequence + 1) * 50 })
      let frame = try #require(frames.last)
      #expect(frame.encoding == .gray8 && frame.widthPx == 320 && frame.heightPx == 240 && frame.pixels.count == 76_800)
      #expect(frame.calibration.fxPx == 600)
      let pixels = [UInt8](frame.pixels)
      let centre = Int(frame.calibration.cyPx.rounded()) * 320 + Int(frame.calibration.cxPx.rounded())
      #expect(pixels[centre] < 160 && pixels[10 * 320 + 10] > 180)
      #expect(frame.simTime.seconds * 1000 + Int64(frame.simTime.nanos / 1_000_000) == Int64(frame.sequence + 1) * 50)

      // The clock runs at about real time.
      let ticks = try await control.watchClock(.with { $0.maxRateHz = 50 }) { response in
        var ticks: [Workcell_Sim_V1_SimClockTick] = []
        for try await message in response.messages {
          ticks.append(message.tick)
          if ticks.count == 10 { break }
        }
        return ticks
      }
      #expect(ticks.last!.step > ticks.first!.step)

      var truth = try await control.getGroundTruth(.with { $0.robots = [.with { $0.robot = "left" }] })
      #expect(truth.robots.count == 1 && truth.robots[0].robot.robot == "left")
      #expect(!truth.robots[0].fallen && truth.robots[0].balanceMarginM > 0.05)
      #expect(truth.robots[0].nutState == .unspecified)

      // A large push topples the left robot, and only it.
      _ = try await control.injectFault(
        .with {
          $0.kind = .push
          $0.robot = .with { $0.robot = "left" }
          $0.magnitude = 500
          $0.duration = .with { $0.nanos = 300_000_000 }
        })
      let deadline = ContinuousClock.now + .seconds(10)
      repeat {
        try await Task.sleep(for: .milliseconds(100))
        truth = try await control.getGroundTruth(.init())
      } while !truth.robots[0].fallen && ContinuousClock.now < deadline
      #expect(truth.robots[0].fallen && truth.robots[0].balanceMarginM < 0)
      #expect(!truth.robots[1].fallen)

      // Rates change live and are reported back; a PLC-only kind has no rate.
      let rates = try await control.setRates(
        .with {
          $0.failureRates = [.with {
            $0.kind = .cameraGlare
            $0.probability = 0.5
          }]
        })
      #expect(rates.failureRates.first { $0.kind == .cameraGlare }?.probability == 0.5)
      await #expect(throws: RPCError.self) {
        _ = try await control.setRates(.with { $0.failureRates = [.with { $0.kind = .feederJam }] })
      }
      // The IMU of the standing robot measures gravity.
      let imu = try await sensors.watchImu(.with { $0.robot = .with { $0.robot = "right" } }) { response in
        var first: Workcell_Sim_V1_ImuSample?
        for try await message in response.messages {
          first = message.sample
          break
        }
        return first
      }
      #expect(abs((imu?.linearAccelerationMPerS2.z ?? 0) - 9.81) < 0.2)
    }
    let exit = await sim.terminate(within: .seconds(5))
    #expect(exit?.status == 0, "cell-sim log:\n\(sim.log)")
  }

  @Test("the joint bus answers a command datagram with state datagrams of the same robot")
  func jointBus() async throws {
    let (sim, port, busPort) = try await Self.launch()
    defer { _ = sim.process.isRunning ? kill(sim.process.processIdentifier, SIGKILL) : 0 }
    try await withLoopbackClient(port: port) { client in
      _ = try await Workcell_Sim_V1_SimControl.Client(wrapping: client).reset(
        .with {
          $0.seed = 1
          $0.config = .with { $0.targetRealTimeFactor = 1 }
        })
    }
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(busPort).bigEndian)
    var command = JointBusCommand()
    command.header = .init(robot: 1, sequence: 7, timestampNs: 0)
    command.flags = 1  // hold: only tells the robot where the controller is
    let bytes = command.encoded()
    let sent = bytes.withUnsafeBytes { buffer in
      withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    #expect(sent == JointBus.commandSize)
    var state = JointBusState()
    var sequences: [UInt64] = []
    var buffer = [UInt8](repeating: 0, count: 2048)
    for _ in 0..<5 {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      try #require(count > 0, "no state datagram within 2 s. Log:\n\(sim.log)")
      try state.decode(Array(buffer[0..<count]))
      sequences.append(state.header.sequence)
    }
    #expect(state.header.robot == 1)
    #expect(state.appliedCommandSequence == 7)
    #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 })
    #expect(state.header.timestampNs == state.header.sequence * 1_000_000)
    #expect(abs(state.imuSpecificForceMPerS2.z - 9.81) < 0.2)
    #expect(abs(state.positionRad[10] - -2.356) < 0.01)
    let exit = await sim.terminate(within: .seconds(5))
    #expect(exit?.status == 0, "cell-sim log:\n\(sim.log)")
  }
}
