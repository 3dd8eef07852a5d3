import Foundation
import SimulatedTime
import Synchronization
import GRPCCore
import Logging
import MotionPlanning
import PolicyRuntime
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// `workcell.policy.v1.Policy`: Act and Session go through one `PolicyBatcher` (requests from
/// several robots share forward passes); ListModels, LoadModel and ActivateModel manage versions.
struct PolicyRPC: Workcell_Policy_V1_Policy.SimpleServiceProtocol {
  let config: PolicyConfig
  let models: PolicyModels
  let batchSizes: BatchSizeRecorder
  let metrics: PolicyMetrics
  let logger: Logger
  /// The fleet's clock (the modelled latency is waited on it).
  var clock: any WorkcellClock = WallClock()
  /// Numbers the calls, for the latency model's draws.
  let calls = CallCounter()

  func act(
    request: Workcell_Policy_V1_ActRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ActResponse {
    guard request.hasObservation else { throw WorkcellError(.invalidArgument, "ActRequest needs an observation.") }
    let (chunk, shadow) = try await chunk(for: request.observation, rpc: "act")
    return .with {
      $0.chunk = chunk
      if let shadow { $0.shadow = shadow }
    }
  }

  func session(
    request: RPCAsyncSequence<Workcell_Policy_V1_SessionRequest, any Error>,
    response: RPCWriter<Workcell_Policy_V1_SessionResponse>, context: ServerContext
  ) async throws {
    // One observation at a time keeps the answers in order; the robot overlaps by sending the
    // next observation while it executes the previous chunk.
    for try await message in request {
      guard message.hasObservation else {
        throw WorkcellError(.invalidArgument, "SessionRequest needs an observation.")
      }
      let (chunk, shadow) = try await chunk(for: message.observation, rpc: "session")
      try await response.write(
        .with {
          $0.chunk = chunk
          if let shadow { $0.shadow = shadow }
        })
    }
  }

  func listModels(
    request: Workcell_Policy_V1_ListModelsRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ListModelsResponse {
    let all = await models.all
    let active = await models.activeVersion
    let canaries = await models.canaries
    let shadow = await models.shadowVersion
    let planner = models.planner
    let startedAt = models.startedAt
    return .with {
      $0.models =
        all.map { PolicyProtoMapping.info($0, active: $0.version == active) }
        + [PolicyProtoMapping.info(planner: planner, loadedAt: startedAt, active: active == ScriptedChunkPlanner.version)]
      $0.activeVersion = active
      $0.canaryVersions = canaries
      $0.shadowVersion = shadow ?? ""
    }
  }

  func shadowModel(
    request: Workcell_Policy_V1_ShadowModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ShadowModelResponse {
    let version = request.version.isEmpty ? nil : request.version
    let previous = try await models.shadow(version)
    logger.notice(
      version == nil ? "shadow stopped" : "shadow model set",
      metadata: ["model": "\(version ?? "")", "previous": "\(previous ?? "")"])
    return .with {
      $0.previousShadowVersion = previous ?? ""
      $0.shadowVersion = version ?? ""
    }
  }

  func rollbackModel(
    request: Workcell_Policy_V1_RollbackModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_RollbackModelResponse {
    let rolledBack = try await models.rollback()
    let active = await models.activeVersion
    logger.notice(
      "model rolled back",
      metadata: ["from": "\(rolledBack)", "to": "\(active)", "reason": "\(request.reason)"])
    return .with {
      $0.rolledBackVersion = rolledBack
      $0.activeVersion = active
    }
  }

  func loadModel(
    request: Workcell_Policy_V1_LoadModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_LoadModelResponse {
    let loaded = try LoadedModel.load(path: request.path, version: request.version)
    try await models.register(loaded)
    let active = await models.activeVersion
    logger.info(
      "model loaded",
      metadata: [
        "model": "\(loaded.version)", "path": "\(loaded.path)", "sha256": "\(loaded.sha256)",
        "parameters": "\(loaded.model.parameterCount)", "card": "\(loaded.hasCard)",
      ])
    return .with { $0.model = PolicyProtoMapping.info(loaded, active: loaded.version == active) }
  }

  func activateModel(
    request: Workcell_Policy_V1_ActivateModelRequest, context: ServerContext
  ) async throws -> Workcell_Policy_V1_ActivateModelResponse {
    let robots = request.robots.filter { !$0.isEmpty }
    let previous: String
    if robots.isEmpty {
      previous = try await models.activate(request.version)
      logger.notice("model activated", metadata: ["model": "\(request.version)", "previous": "\(previous)"])
    } else {
      previous = try await models.activate(request.version, robots: robots)
      logger.notice(
        "model activated for some robots (canary)",
        metadata: ["model": "\(request.version)", "robots": "\(robots.joined(separator: ","))", "previous": "\(previous)"])
    }
    let (active, canaries) = (await models.activeVersion, await models.canaries)
    return .with {
      $0.previousVersion = previous
      $0.activeVersion = active
      $0.canaryVersions = canaries
    }
  }

  /// One observation through the batcher, timed, as a proto chunk; with a shadow model running,
  /// the shadow's chunk for the same observation compared with it (after the answer, so the
  /// shadow never changes what the robot gets; it adds its own compute time to the call).
  private func chunk(for observation: Workcell_Policy_V1_Observation, rpc: String) async throws
    -> (Workcell_Policy_V1_ActionChunk, Workcell_Policy_V1_ShadowComparison?)
  {
    let now = Date()
    let observedAt = observation.hasObservedAt ? observation.observedAt : PolicyProtoMapping.timestamp(now)
    // The batcher may swap models between this read and the batch: joint names are the same
    // for every model of a robot, so the mapping holds.
    let architecture = await models.model(for: observation.robot.robot).architecture
    let input = try PolicyProtoMapping.observation(
      observation, architecture: architecture, layout: config.layout, now: now)
    var batchSize = 1
    let started = ContinuousClock.now
    let (answer, batcher) = await models.answer(input, robot: observation.robot.robot)
    if let batcher {
      let elapsed = ContinuousClock.now - started
      let statistics = await batcher.statistics
      await batchSizes.record(statistics)
      metrics.inference(batchSize: statistics.lastBatchSize).record(elapsed)
      batchSize = statistics.lastBatchSize
    }
    var shadow: Workcell_Policy_V1_ShadowComparison?
    if let shadowChunk = await models.shadowAnswer(input, robot: observation.robot.robot, answered: answer) {
      let prefix = config.shadowPrefixSteps
      if let divergence = answer.jointDivergenceRad(from: shadowChunk, prefixSteps: prefix) {
        metrics.shadowDivergence(shadow: shadowChunk.modelVersion, answering: answer.modelVersion).record(divergence)
        shadow = .with {
          $0.version = shadowChunk.modelVersion
          $0.divergenceRad = divergence
          $0.prefixSteps = UInt32(clamping: min(prefix, answer.steps.count, shadowChunk.steps.count))
        }
      }
    }
    let delayS = config.latency.delaySeconds(call: calls.next())
    if delayS > 0 { try await clock.sleep(seconds: delayS) }
    metrics.chunks(rpc: rpc, model: answer.modelVersion).increment()
    logger.trace(
      "chunk",
      metadata: [
        "robot": "\(observation.robot.robot)", "sequence": "\(observation.sequence)", "model": "\(answer.modelVersion)",
        "batch": "\(batchSize)",
      ])
    return (PolicyProtoMapping.chunk(answer, observation: observation, observedAt: observedAt), shadow)
  }
}

/// Numbers calls in the order they arrive.
final class CallCounter: Sendable {
  private let count = Atomic<UInt64>(0)
  func next() -> UInt64 { count.add(1, ordering: .relaxed).oldValue }
}
