import EpisodeRecording
import Foundation
import DurableOutbox
import WorkcellProto
import WorkcellRuntime

/// cell: the sequencer — runs the cycle for each robot of the cell with a time budget per step,
/// safe retries, and a durable outbox of cycle records for the yield service.
public enum CellService: FleetService {
  public typealias Options = CellOptions
  public static let name = "cell"
  public static let abstract = "Sequences the cell's cycles across PLC bridge, perception, policy and control."
  public static let discussion = """
    Serves workcell.cell.v1.Cell: Start, Pause, Stop, GetStatus, WatchCycles. For each robot it \
    runs the cycle of docs/architecture.md — RequestPart (plc-bridge) → Estimate (perception) → \
    reach and grasp (policy chunks tracked by the robot's control) → ConfirmPartTaken → grasp \
    check with tactile Refine → carry, align, insert until NUT_SEATED → release → Clamp, Fasten, \
    ReleaseFixture — with a deadline per step inside the takt, retries only where safe, and a \
    failure code for every cycle that fails. Records go to an outbox file (SQLite) first and to \
    yield's ReportCycleBatch from there, so a yield outage or a restart loses none. With \
    --clock sim the deadlines and records run on cell-sim's simulated clock. An e-stop or a \
    latched PLC fault halts the robot (FAULTED): Start resets the side's PLC fault, resumes \
    control and homes the arm before running again.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    var config = try options.resolve(environment: context.environment, plant: context.plant, plantCell: context.plantCell)
    if let path = config.episodesPath {
      config.episodes = try EpisodeRecorder(
        directory: URL(fileURLWithPath: path), maxBytes: config.episodesMaxBytes,
        videoEncoder: config.episodesVideo ? EpisodeVideoEncoder.locate(environment: context.environment) : nil)
    }
    let outbox = try await DurableOutbox.open(path: config.outboxPath, logger: context.logger)
    let sequencer = try CellSequencer(
      config: config, outbox: outbox, metrics: CellMetrics(registry: context.metrics), logger: context.logger,
      fleetClock: context.clock, inProcessGRPC: context.inProcess?.grpc)
    return ServiceParts(
      rpcServices: [
        .init(name: Workcell_Cell_V1_Cell.descriptor.fullyQualifiedService, service: CellRPC(sequencer: sequencer, logger: context.logger))
      ],
      backgroundServices: [sequencer])
  }
}
