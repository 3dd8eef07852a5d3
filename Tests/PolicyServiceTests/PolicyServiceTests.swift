import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PolicyRuntime
import PolicyService
import ServiceLifecycle
import SwiftProtobuf
import Testing
import WorkcellProto
import WorkcellRuntime

/// policy in-process over real gRPC on port 0, serving the committed model.
@Suite("policy service over gRPC", .serialized)
struct PolicyServiceTests {
  typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

  /// The committed model, found from this file so the test does not depend on the working directory.
  static let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("models/policy/wc-mlp-2.safetensors").path

  static let jointNames = (1...7).map { "right_arm_joint_\($0)" }
  static let homeRad: [Double] = [0, -0.785, 0, -2.356, 0, 1.571, 0.785]
  static let observedAt = Google_Protobuf_Timestamp(seconds: 1_800_000_000, nanos: 123_456_789)

  static var options: CallOptions {
    var options = CallOptions.defaults
    options.timeout = .seconds(15)
    return options
  }

  static var logger: Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
  }

  /// Runs a policy service (extra flags after the model's) around `body`, then shuts it down.
  static func withPolicy<Result: Sendable>(
    _ extra: [String] = [],
    _ body: @Sendable (FleetMember, Workcell_Policy_V1_Policy.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let options = try PolicyOptions.parse(["--model", modelPath] + extra)
    let member = try await FleetMember.build(
      PolicyService.self, options: options, host: "127.0.0.1", ports: ServicePorts(grpc: 0, http: 0),
      environment: [:], logger: logger)
    let group = FleetRunner.makeGroup(members: [member], grace: .seconds(1), signals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Result?.self) { tasks in
      tasks.addTask {
        try await group.run()
        return nil
      }
      defer { tasks.cancelAll() }
      do {
        let port = try await member.grpcPort()
        let result = try await withGRPCClient(
          transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
          try await body(member, Workcell_Policy_V1_Policy.Client(wrapping: client))
        }
        await group.triggerGracefulShutdown()
        return result
      } catch {
        await group.triggerGracefulShutdown()
        throw error
      }
    }
  }

  /// An observation of robot `robot` at home with the nut in the feeder (world frame, cell-sim layout).
  static func observation(robot: String = "left", sequence: UInt64 = 1, dropping: String? = nil)
    -> Workcell_Policy_V1_Observation
  {
    .with {
      $0.robot = .with { $0.robot = robot }
      $0.observedAt = observedAt
      $0.sequence = sequence
      $0.joints = zip(jointNames, homeRad).filter { $0.0 != dropping }.map { name, q in
        .with {
          $0.name = name
          $0.positionRad = q
        }
      }
      $0.gripperWidthsM = [0.08]
      $0.estimate = .with {
        $0.nutPose = .with {
          let base: Double = robot == "left" ? 1.0 : -1.0
          $0.positionM = .with {
            $0.x = 0.55
            $0.y = base - 0.35
            $0.z = 0.78
          }
          $0.orientation = .with { $0.w = 1 }
          $0.frame = "world"
        }
      }
      $0.phase = .reach
    }
  }

  static func code(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
      try await body()
      return nil
    } catch let error as RPCError {
      return error.code
    } catch {
      return .unknown
    }
  }

  @Test("Act returns a 30-step chunk stamped with the model version and observed_at", .timeLimit(.minutes(2)))
  func act() async throws {
    try await Self.withPolicy { _, policy in
      let response = try await policy.act(
        .with { $0.observation = Self.observation(sequence: 7) }, options: Self.options)
      let chunk = response.chunk
      #expect(chunk.modelVersion == "wc-mlp-2")
      #expect(chunk.observedAt == Self.observedAt)
      #expect(chunk.steps.count == 30)
      #expect(chunk.stepPeriodMs == 20)
      #expect(chunk.sequence == 7)
      #expect(chunk.jointNames == Self.jointNames)
      #expect(chunk.gripperNames == ["right_gripper"])
      #expect(chunk.phase == .reach)
      #expect(chunk.robot.robot == "left")
      #expect(UUID(uuidString: chunk.chunkID) != nil)
      let expiresS = Double(chunk.expiresAt.seconds) + Double(chunk.expiresAt.nanos) / 1e9
      let observedS = Double(Self.observedAt.seconds) + Double(Self.observedAt.nanos) / 1e9
      #expect(abs(expiresS - observedS - 0.6) < 1e-6)
      for step in chunk.steps {
        #expect(step.jointPositionsRad.count == 7)
        #expect(step.gripperWidthsM.count == 1)
        #expect(step.gripForcesN.count == 1)
        #expect(step.jointPositionsRad.allSatisfy { $0.isFinite })
      }
      // Starting from home, the first target stays near the measured joints.
      let first = try #require(chunk.steps.first)
      #expect(zip(first.jointPositionsRad, Self.homeRad).allSatisfy { abs($0 - $1) < 0.2 })

      // Latency over gRPC (one robot: every batch waits out the 2 ms window).
      var samples: [Duration] = []
      for i in 0..<20 {
        let start = ContinuousClock.now
        _ = try await policy.act(
          .with { $0.observation = Self.observation(sequence: UInt64(100 + i)) }, options: Self.options)
        samples.append(ContinuousClock.now - start)
      }
      samples.sort()
      print("policy Act over gRPC, 20 calls: median \(samples[10]), max \(samples[19])")
    }
  }

  @Test("Session answers one chunk per observation, in order", .timeLimit(.minutes(2)))
  func session() async throws {
    try await Self.withPolicy { _, policy in
      let sequences: [UInt64] = [1, 2, 3, 4, 5]
      let answered = try await policy.session(
        options: Self.options,
        requestProducer: { writer in
          for sequence in sequences {
            try await writer.write(.with { $0.observation = Self.observation(robot: "right", sequence: sequence) })
          }
        },
        onResponse: { response in
          var seen: [UInt64] = []
          for try await message in response.messages {
            #expect(message.chunk.steps.count == 30)
            #expect(message.chunk.modelVersion == "wc-mlp-2")
            seen.append(message.chunk.sequence)
          }
          return seen
        })
      #expect(answered == sequences)
    }
  }

  @Test("two robots at once share a forward pass", .timeLimit(.minutes(2)))
  func batching() async throws {
    // A long window and a batch of two: the second robot's request completes the first's batch.
    try await Self.withPolicy(["--batch-window-ms", "500", "--max-batch", "2"]) { member, policy in
      try await withThrowingTaskGroup(of: UInt64.self) { group in
        for (robot, sequence) in [("left", UInt64(11)), ("right", UInt64(12))] {
          group.addTask {
            try await policy.act(
              .with { $0.observation = Self.observation(robot: robot, sequence: sequence) }, options: Self.options
            )
            .chunk.sequence
          }
        }
        var answered: Set<UInt64> = []
        for try await sequence in group { answered.insert(sequence) }
        #expect(answered == [11, 12])
      }
      var buffer: [UInt8] = []
      member.metrics.emit(into: &buffer)
      let text = String(decoding: buffer, as: UTF8.self)
      #expect(text.contains("workcell_policy_inference_seconds_bucket"))
      #expect(text.contains("batch_size=\"2\""))
      #expect(text.contains("workcell_policy_batch_size_bucket"))
    }
  }

  @Test("LoadModel, ListModels, ActivateModel and their errors", .timeLimit(.minutes(2)))
  func models() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let corrupt = directory.appendingPathComponent("corrupt.safetensors")
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.modelPath)))
    bytes.removeLast(100)  // truncated: the header's offsets run past the data
    try Data(bytes).write(to: corrupt)

    try await Self.withPolicy { _, policy in
      let invalid = await Self.code {
        _ = try await policy.loadModel(.with { $0.path = corrupt.path }, options: Self.options)
      }
      #expect(invalid == .invalidArgument)
      let missing = await Self.code {
        _ = try await policy.loadModel(
          .with { $0.path = directory.appendingPathComponent("none.safetensors").path }, options: Self.options)
      }
      #expect(missing == .notFound)
      let unknown = await Self.code {
        _ = try await policy.activateModel(.with { $0.version = "no-such-model" }, options: Self.options)
      }
      #expect(unknown == .notFound)

      let loaded = try await policy.loadModel(
        .with {
          $0.path = Self.modelPath
          $0.version = "wc-mlp-2-copy"
        }, options: Self.options)
      #expect(loaded.model.version == "wc-mlp-2-copy")
      #expect(loaded.model.sha256.count == 64)
      #expect(loaded.model.chunkSteps == 30)
      #expect(!loaded.model.active)
      let listed = try await policy.listModels(.init(), options: Self.options)
      #expect(listed.activeVersion == "wc-mlp-2")
      #expect(Set(listed.models.map(\.version)) == ["wc-mlp-2", "wc-mlp-2-copy", "scripted-planner-4"])

      let switched = try await policy.activateModel(.with { $0.version = "wc-mlp-2-copy" }, options: Self.options)
      #expect(switched.previousVersion == "wc-mlp-2")
      #expect(switched.activeVersion == "wc-mlp-2-copy")
      let chunk = try await policy.act(.with { $0.observation = Self.observation() }, options: Self.options).chunk
      #expect(chunk.modelVersion == "wc-mlp-2-copy")

      // The built-in scripted planner is listed (no file, no parameters) and answers once active.
      let planner = try #require(listed.models.first { $0.version == "scripted-planner-4" })
      #expect(planner.path == "builtin:scripted-planner" && planner.parameterCount == 0 && !planner.active)
      _ = try await policy.activateModel(.with { $0.version = "scripted-planner-4" }, options: Self.options)
      let planned = try await policy.act(.with { $0.observation = Self.observation() }, options: Self.options).chunk
      #expect(planned.modelVersion == "scripted-planner-4")
      #expect(planned.steps.count == 30)
      let reserved = await Self.code {
        _ = try await policy.loadModel(
          .with {
            $0.path = Self.modelPath
            $0.version = "scripted-planner-4"
          }, options: Self.options)
      }
      #expect(reserved == .alreadyExists)
    }
  }

  @Test("a canary: one robot answered by another version, the rest by the active one; a plain activation ends it", .timeLimit(.minutes(2)))
  func canary() async throws {
    try await Self.withPolicy { _, policy in
      let started = try await policy.activateModel(
        .with {
          $0.version = "scripted-planner-4"
          $0.robots = ["right"]
        }, options: Self.options)
      #expect(started.previousVersion == "wc-mlp-2")
      #expect(started.activeVersion == "wc-mlp-2")
      #expect(started.canaryVersions == ["right": "scripted-planner-4"])
      let right = try await policy.act(.with { $0.observation = Self.observation(robot: "right") }, options: Self.options)
      let left = try await policy.act(.with { $0.observation = Self.observation(robot: "left") }, options: Self.options)
      #expect(right.chunk.modelVersion == "scripted-planner-4")
      #expect(left.chunk.modelVersion == "wc-mlp-2")
      #expect(try await policy.listModels(.init(), options: Self.options).canaryVersions == ["right": "scripted-planner-4"])

      // A model loaded later can be the canary too, answered through its own batcher.
      _ = try await policy.loadModel(
        .with {
          $0.path = Self.modelPath
          $0.version = "wc-mlp-2-candidate"
        }, options: Self.options)
      _ = try await policy.activateModel(
        .with {
          $0.version = "wc-mlp-2-candidate"
          $0.robots = ["left"]
        }, options: Self.options)
      let candidate = try await policy.act(.with { $0.observation = Self.observation(robot: "left") }, options: Self.options)
      #expect(candidate.chunk.modelVersion == "wc-mlp-2-candidate")
      #expect(candidate.chunk.steps.count == 30)
      let unknown = await Self.code {
        _ = try await policy.activateModel(
          .with {
            $0.version = "no-such-model"
            $0.robots = ["left"]
          }, options: Self.options)
      }
      #expect(unknown == .notFound)

      // The rollback: one activation for every robot ends every canary.
      let rolledBack = try await policy.activateModel(.with { $0.version = "wc-mlp-2" }, options: Self.options)
      #expect(rolledBack.canaryVersions.isEmpty)
      let after = try await policy.act(.with { $0.observation = Self.observation(robot: "right") }, options: Self.options)
      #expect(after.chunk.modelVersion == "wc-mlp-2")
    }
  }

  @Test("a shadow: compared on every answer, never answering; measured; a rollback undoes the last activation", .timeLimit(.minutes(2)))
  func shadowAndRollback() async throws {
    try await Self.withPolicy(["--shadow", "scripted-planner-4", "--shadow-prefix-steps", "3"]) { member, policy in
      #expect(try await policy.listModels(.init(), options: Self.options).shadowVersion == "scripted-planner-4")
      var observation = Self.observation(robot: "left")
      observation.cycleID = "01a2b3c4-0000-7000-8000-000000000001"
      let answer = try await policy.act(.with { $0.observation = observation }, options: Self.options)
      // The network answers; the planner only shadows it, compared over the first three steps.
      #expect(answer.chunk.modelVersion == "wc-mlp-2")
      #expect(answer.chunk.cycleID == observation.cycleID)
      #expect(answer.hasShadow)
      #expect(answer.shadow.version == "scripted-planner-4")
      #expect(answer.shadow.prefixSteps == 3)
      // The same comparison, computed here from the planner's own chunk.
      _ = try await policy.activateModel(.with { $0.version = "scripted-planner-4" }, options: Self.options)
      let planned = try await policy.act(.with { $0.observation = observation }, options: Self.options)
      #expect(planned.chunk.modelVersion == "scripted-planner-4")
      // The planner answers now and is the shadow: nothing to compare.
      #expect(!planned.hasShadow)
      var sumSquares = 0.0
      for step in 0..<3 {
        for (a, b) in zip(answer.chunk.steps[step].jointPositionsRad, planned.chunk.steps[step].jointPositionsRad) {
          sumSquares += (a - b) * (a - b)
        }
      }
      let expected = (sumSquares / Double(3 * answer.chunk.jointNames.count)).squareRoot()
      #expect(expected > 0)
      #expect(abs(answer.shadow.divergenceRad - expected) < 1e-9)
      var buffer: [UInt8] = []
      member.metrics.emit(into: &buffer)
      let text = String(decoding: buffer, as: UTF8.self)
      #expect(text.contains("workcell_policy_shadow_divergence_radians_count{shadow=\"scripted-planner-4\",model=\"wc-mlp-2\"} 1"))

      // Rollback: back to the network in one call; then nothing earlier is left to go back to
      // but the planner again (a rollback undoes the last switch).
      let rolledBack = try await policy.rollbackModel(.with { $0.reason = "test" }, options: Self.options)
      #expect(rolledBack.rolledBackVersion == "scripted-planner-4")
      #expect(rolledBack.activeVersion == "wc-mlp-2")
      #expect(try await policy.act(.with { $0.observation = observation }, options: Self.options).chunk.modelVersion == "wc-mlp-2")

      // Stop the shadow; an unknown shadow is NOT_FOUND and changes nothing.
      let unknown = await Self.code { _ = try await policy.shadowModel(.with { $0.version = "no-such-model" }, options: Self.options) }
      #expect(unknown == .notFound)
      let stopped = try await policy.shadowModel(.init(), options: Self.options)
      #expect(stopped.previousShadowVersion == "scripted-planner-4" && stopped.shadowVersion.isEmpty)
      #expect(!(try await policy.act(.with { $0.observation = observation }, options: Self.options).hasShadow))
    }
  }

  @Test("a rollback with nothing to roll back to is FAILED_PRECONDITION", .timeLimit(.minutes(2)))
  func nothingToRollBack() async throws {
    try await Self.withPolicy { _, policy in
      let code = await Self.code { _ = try await policy.rollbackModel(.init(), options: Self.options) }
      #expect(code == .failedPrecondition)
    }
  }

  @Test("a missing joint is INVALID_ARGUMENT naming it", .timeLimit(.minutes(2)))
  func missingJoint() async throws {
    try await Self.withPolicy { _, policy in
      do {
        _ = try await policy.act(
          .with { $0.observation = Self.observation(dropping: "right_arm_joint_4") }, options: Self.options)
        Issue.record("Act without right_arm_joint_4 succeeded")
      } catch let error as RPCError {
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("right_arm_joint_4"))
      }
    }
  }
}
