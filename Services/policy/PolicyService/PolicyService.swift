import ArgumentParser
import MotionPlanning
import WorkcellProto
import WorkcellRuntime

/// policy: serves the visuomotor policy — an observation in, an action chunk out — with
/// versioned models that can be loaded and activated without a restart.
public enum PolicyService: FleetService {
  public typealias Options = PolicyOptions
  public static let name = "policy"
  public static let abstract = "Serves the visuomotor policy: observations in, action chunks out."
  public static let discussion = """
    Serves workcell.policy.v1.Policy over PolicyRuntime (docs/policy.md). At start it loads and \
    activates --model (default models/policy/wc-mlp-2.safetensors relative to the working \
    directory); LoadModel and ActivateModel add and switch versions without a restart, ActivateModel \
    with robots makes a canary, ShadowModel runs a candidate beside the answering one (--shadow), \
    RollbackModel goes back in one call. Act and \
    Session from several robots share forward passes (--batch-window-ms, --max-batch). The TCP \
    comes from forward kinematics of the measured joints and the pin seat from the cell layout \
    (--pin-seat-m); the torso's sway is not observed. --planner scripted answers with the built-in \
    scripted planner (version scripted-planner-4) instead of the network, the baseline a model is measured against.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let config = try options.resolve(environment: context.environment)
    let initial: LoadedModel
    do throws(WorkcellError) {
      initial = try LoadedModel.load(path: config.modelPath, version: "")
    } catch {
      throw ValidationError("--model: \(error.message) (set --model or WORKCELL_POLICY_MODEL).")
    }
    let metrics = PolicyMetrics(registry: context.metrics)
    // Every batch size's latency series exists from the start (at zero), so dashboards and
    // alerts see the metric before the first robot asks.
    for size in 1...config.batcher.maxBatchSize { _ = metrics.inference(batchSize: size) }
    let architecture = initial.model.architecture
    let planner = ScriptedChunkPlanner(
      config: .init(armBaseInTorsoM: config.layout.armBaseInRobotM), chunkSteps: architecture.chunkSteps,
      stepPeriodMs: architecture.stepPeriodMs, jointNames: architecture.jointNames, gripperNames: architecture.gripperNames)
    let models = PolicyModels(initial: initial, batcher: config.batcher, planner: planner, plannerActive: config.scriptedPlanner)
    for (robot, version) in config.canaries {
      do throws(WorkcellError) {
        _ = try await models.activate(version, robots: [robot])
      } catch {
        throw ValidationError("--canary \(robot)=\(version): \(error.message)")
      }
      context.logger.notice("canary at start", metadata: ["robot": "\(robot)", "model": "\(version)"])
    }
    if let shadow = config.shadow {
      do throws(WorkcellError) {
        _ = try await models.shadow(shadow)
      } catch {
        throw ValidationError("--shadow \(shadow): \(error.message)")
      }
      context.logger.notice("shadow model at start", metadata: ["model": "\(shadow)"])
    }
    context.logger.info(
      "policy configured",
      metadata: [
        "model": "\(initial.version)", "path": "\(initial.path)", "sha256": "\(initial.sha256)",
        "parameters": "\(initial.model.parameterCount)", "chunk_steps": "\(initial.model.architecture.chunkSteps)",
        "max_batch": "\(config.batcher.maxBatchSize)", "batch_window": "\(config.batcher.window)",
        "pin_seat_m": "\(config.layout.pinSeatInRobotM)",
        "answering": "\(config.scriptedPlanner ? ScriptedChunkPlanner.version : initial.version)",
      ])
    return ServiceParts(
      rpcServices: [
        .init(
          name: Workcell_Policy_V1_Policy.descriptor.fullyQualifiedService,
          service: PolicyRPC(
            config: config, models: models, batchSizes: BatchSizeRecorder(metrics: metrics), metrics: metrics,
            logger: context.logger, clock: context.clock))
      ])
  }
}
