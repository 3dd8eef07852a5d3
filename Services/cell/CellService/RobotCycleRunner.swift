import CycleSequencing
import EpisodeRecording
import Foundation
import Logging
import PolicyRuntime
import WorkcellProto

/// Carries out one robot's cycles: the pure `CycleSequence` decides what runs next and what a
/// cycle's verdict is; this runs each step against the fleet — plc-bridge for the feeder and
/// fixture handshakes, perception for every "where is the nut" and "how is it held", the policy
/// for motion (an action chunk per replanning period), control to track it — and turns what
/// came back into a step event.
///
/// One job per file: the cycle loop here; the steps in `+Steps`, the motion loop in `+Motion`,
/// the hand-built recovery chunks in `+Recovery`, the calls to the peers in `+Peers`, what the
/// answers mean in `+Readings`, the record in `+Record` and the episode in `+Episode`.
struct RobotCycleRunner: Sendable {
  let config: CellConfig
  let robot: CellConfig.Robot
  let equipment: Workcell_Common_V1_EquipmentRef
  let peers: CellPeers
  let feed: RobotFeed
  let safety: SafetyWatch
  let clock: CellClock
  let slot: RobotSlot
  let logger: Logger

  /// The working arm's joints, in the order the policy and forward kinematics read them.
  static let armJointNames = PolicyFeatures.armJointNames
  static let gripperName = PolicyFeatures.gripperName
  /// Gripper opening when releasing a nut or clearing the hand (the expert's open width).
  static let openWidthM = 0.045

  /// What one cycle carries from step to step.
  struct CycleContext {
    var cycleID: String
    var modelVersion = ""
    var lastNutInRobotM: SIMD3<Double>?
    /// PART_TAKEN was confirmed to the feeder.
    var partTaken = false
    /// The last spline phase a camera measured, with the wrist's yaw then and whether the nut was
    /// held (touch cannot feel the spline: between camera looks the phase is carried forward).
    var cameraPhase: (deg: Double, wristYawRad: Double, held: Bool)?
    /// The wrist's yaw when touch first said the nut was held in this cycle.
    var graspWristYawRad: Double?
    /// When the cycle started (episode frames count from here).
    var startedAt = Date(timeIntervalSince1970: 0)
    /// Every replan of the cycle, for its episode (docs/episodes.md); kept in memory until the
    /// cycle ends, so the replan path does no I/O.
    var frames: [Episode.Frame] = []
    /// The cameras' images at every replan, one per frame (`--episodes-video`).
    var cameraImages = EpisodeCameraImages()
  }

  /// How a cycle ended: its verdict, the record for yield, and why the robot must stop (a safety
  /// event or a latched fault), if it must.
  struct Result: Sendable {
    var verdict: CycleVerdict
    var record: Workcell_Common_V1_CycleRecord
    var faultReason: String?
    /// The cycle as training data (nil when episodes are not recorded).
    var episode: Episode?
    /// Its cameras' images (nil unless recorded with video).
    var cameraImages: EpisodeCameraImages?
  }

  /// One cycle, from the feeder request to the verdict. `started` hears of it first, with the
  /// record it would leave if the cell died now (aborted, `cell_restart`), for the journal.
  func runCycle(
    sequence: inout UInt64, started: (Workcell_Common_V1_CycleRecord) async -> Void = { _ in }
  ) async -> Result {
    let modelVersion = await activeModel()
    let startedAt = clock.now()
    var context = CycleContext(
      cycleID: CycleID.make(
        unixMilliseconds: UInt64(max(0, startedAt.timeIntervalSince1970 * 1000)),
        random: (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))))
    context.modelVersion = modelVersion
    context.startedAt = startedAt
    slot.update { $0.cycleID = context.cycleID }
    await started(interruptedRecord(context))
    var cycle = CycleSequence(plan: config.plan)
    var command = cycle.start(at: startedAt)
    var faultReason: String?
    while true {
      switch command {
      case .run(let step, let attempt, let deadline):
        let now = clock.now()
        slot.update {
          $0.step = step
          $0.stepStartedAt = now
        }
        let event = await perform(step, attempt: attempt, deadline: deadline, context: &context, sequence: &sequence)
        switch event {
        case .safetyStop: faultReason = "e-stop: the \(robot.side == .left ? "left" : "right") side's safety chain opened"
        case .failed(.plcFault): faultReason = "PLC fault on the \(robot.side == .left ? "left" : "right") side (reset it, then Start)"
        case .serviceUnavailable(.controlFault):
          // Control did not answer: its loop is gone, so the robot stands on its drives' last
          // command. A safety event like an open chain: the operator looks, then Starts.
          faultReason = "control unavailable: the robot's controller does not answer (restart it, then Start)"
        default: break
        }
        let fastenedGood = if case .fastened(_, _, nil) = event { true } else { false }
        if event != .succeeded, !fastenedGood {
          logger.info(
            "step ended without success",
            metadata: ["cycle_id": "\(context.cycleID)", "step": "\(step.rawValue)", "attempt": "\(attempt)", "event": "\(event)"])
        }
        command = cycle.handle(event, at: clock.now())
      case .finish(let verdict):
        // A controller that went to fault during the cycle (a joint-bus watchdog, a fall, a
        // motion step's control_fault) halts the robot whatever step noticed first: cycling on
        // would fail every cycle at once (the arm cannot move, the hand keeps its nut, the feeder
        // presents no new one). The controller stays in fault until a Resume, so checking here
        // catches every case.
        if verdict.outcome != .ok, faultReason == nil, await feed.current()?.mode == .fault {
          faultReason = "control fault: \(feed.lastProgress?.detail ?? "the controller is in fault; see control's log")"
        }
        // After any failed cycle the hand is opened (a nut in it goes to the reject chute) and the
        // arm homed: the next cycle starts from the home posture, wherever this one left the arm.
        if verdict.outcome != .ok, faultReason == nil { await clearHand(&sequence) }
        let record = record(verdict, context: context)
        // The control trace joins the episode later (`executedTrace`), once the record is durable.
        return Result(
          verdict: verdict, record: record, faultReason: faultReason,
          episode: config.episodes == nil ? nil : episode(record, context: context),
          cameraImages: config.episodes != nil && config.episodesVideo ? context.cameraImages : nil)
      }
    }
  }
}
