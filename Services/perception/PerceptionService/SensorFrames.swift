import Foundation
import SimulatedTime
import NutPerception
import Synchronization

/// The newest raw frame of every camera and the newest two tactile samples of every robot's
/// gripper, as the subscriptions deliver them, plus the state of each subscription. Frames are
/// processed lazily (by the first estimate that needs them) and the result cached per frame, so
/// a camera nobody asks about costs a copy, not a vision pass.
final class SensorFrames: Sendable {
  /// One camera image with its calibration at capture.
  struct CameraFrame: Sendable {
    /// Increases with every frame stored (any sensor): identifies this frame in caches.
    var serial: UInt64
    var camera: String
    var image: GrayImage
    var model: CameraModel
    /// Capture time on the source's clock.
    var capturedAt: Date
    var sequence: UInt64
    /// When it arrived here (ages are measured on this clock, so a source's clock offset or
    /// speed-up does not make frames look stale or fresh).
    var receivedAt: Duration
  }

  /// Both fingertips of one gripper, sampled together.
  struct TactileSample: Sendable {
    var serial: UInt64
    var fingerA: TactileFrame
    var fingerB: TactileFrame
    var capturedAt: Date
    var sequence: UInt64
    var receivedAt: Duration
  }

  /// How one subscription is doing.
  struct Link: Sendable {
    enum Phase: Sendable { case connecting, streaming, down }
    var phase: Phase = .connecting
    /// The last failure, for messages a person can act on.
    var lastError: String?
    /// Failed attempts since the stream last delivered a frame.
    var failuresSinceFrame = 0
    /// When the stream last delivered.
    var lastFrameAt: Duration?

    /// Down, or retrying after a failure without having delivered since.
    var isUnavailable: Bool { phase == .down || (phase == .connecting && failuresSinceFrame > 0) }
  }

  private struct CameraSlot {
    var newest: CameraFrame?
    var newestUsed = false
    var vision: (serial: UInt64, estimate: VisionEstimate)?
  }

  private struct TactileSlot {
    var newest: TactileSample?
    var previous: TactileSample?
    var newestUsed = false
    var pending: (sequence: UInt64, a: TactileFrame?, b: TactileFrame?, capturedAt: Date)?
    var estimates: [UInt64: TactileEstimate] = [:]
  }

  private struct State {
    var cameras: [String: CameraSlot] = [:]
    var tactile: [String: TactileSlot] = [:]
    var links: [String: Link] = [:]
    var nextSerial: UInt64 = 1
  }

  private let state = Mutex(State())
  /// The clock arrival times and ages are read on (the fleet's, on simulated time).
  let clock: any WorkcellClock

  init(clock: any WorkcellClock = WallClock()) { self.clock = clock }

  // MARK: Subscriptions write

  /// Stores a camera frame; returns true when it replaced one no estimate had used (dropped).
  func store(camera: String, image: GrayImage, model: CameraModel, capturedAt: Date, sequence: UInt64) -> Bool {
    let now = clock.elapsed
    return state.withLock { state in
      var slot = state.cameras[camera] ?? CameraSlot()
      let dropped = slot.newest != nil && !slot.newestUsed
      slot.newest = CameraFrame(
        serial: state.nextSerial, camera: camera, image: image, model: model, capturedAt: capturedAt,
        sequence: sequence,
        receivedAt: now)
      slot.newestUsed = false
      state.nextSerial += 1
      state.cameras[camera] = slot
      return dropped
    }
  }

  /// Stores one finger's frame of `robot`'s gripper; a sample is complete once both fingers of
  /// the same sequence arrived. Returns true when a completed sample replaced an unused one.
  func store(
    robot: String, finger: Finger, frame: TactileFrame, capturedAt: Date, sequence: UInt64
  ) -> Bool {
    let now = clock.elapsed
    return state.withLock { state in
      var slot = state.tactile[robot] ?? TactileSlot()
      defer { state.tactile[robot] = slot }
      if slot.pending?.sequence != sequence {
        slot.pending = (sequence, nil, nil, capturedAt)
      }
      switch finger {
      case .a: slot.pending!.a = frame
      case .b: slot.pending!.b = frame
      }
      guard let a = slot.pending!.a, let b = slot.pending!.b else { return false }
      slot.pending = nil
      let dropped = slot.newest != nil && !slot.newestUsed
      slot.previous = slot.newest
      slot.newest = TactileSample(
        serial: state.nextSerial, fingerA: a, fingerB: b, capturedAt: capturedAt, sequence: sequence, receivedAt: now)
      slot.newestUsed = false
      state.nextSerial += 1
      let keep = Set([slot.newest?.serial, slot.previous?.serial].compactMap { $0 })
      slot.estimates = slot.estimates.filter { keep.contains($0.key) }
      return dropped
    }
  }

  /// Which fingertip of a gripper.
  enum Finger: Sendable { case a, b }

  /// Updates a subscription's state.
  func updateLink(_ name: String, _ body: (inout Link) -> Void) {
    state.withLock { state in
      var link = state.links[name] ?? Link()
      body(&link)
      state.links[name] = link
    }
  }

  // MARK: Estimates read

  /// The state of subscription `name`.
  func link(_ name: String) -> Link { state.withLock { $0.links[name] ?? Link() } }

  /// The newest frame of `camera` (marked used) and its cached vision estimate, if any.
  func camera(_ camera: String) -> (frame: CameraFrame, vision: VisionEstimate?)? {
    state.withLock { state in
      guard var slot = state.cameras[camera], let frame = slot.newest else { return nil }
      slot.newestUsed = true
      state.cameras[camera] = slot
      let cached = slot.vision.flatMap { $0.serial == frame.serial ? $0.estimate : nil }
      return (frame, cached)
    }
  }

  /// `camera`'s newest frame without taking it (for recording: an estimate still finds it new).
  func newestCameraFrame(_ camera: String) -> CameraFrame? {
    state.withLock { $0.cameras[camera]?.newest }
  }

  /// Capture and arrival time of `camera`'s newest frame, without taking it.
  func peekCamera(_ camera: String) -> (capturedAt: Date, receivedAt: Duration)? {
    state.withLock { state in state.cameras[camera]?.newest.map { ($0.capturedAt, $0.receivedAt) } }
  }

  /// Capture and arrival time of `robot`'s newest tactile sample, without taking it.
  func peekTactile(_ robot: String) -> (capturedAt: Date, receivedAt: Duration)? {
    state.withLock { state in state.tactile[robot]?.newest.map { ($0.capturedAt, $0.receivedAt) } }
  }

  /// The serial of `camera`'s newest frame (to notice new frames without taking them).
  func cameraSerial(_ camera: String) -> UInt64? { state.withLock { $0.cameras[camera]?.newest?.serial } }

  /// Caches the vision estimate of frame `serial` of `camera`.
  func cacheVision(camera: String, serial: UInt64, _ estimate: VisionEstimate) {
    state.withLock { state in
      guard state.cameras[camera]?.newest?.serial == serial else { return }
      state.cameras[camera]?.vision = (serial, estimate)
    }
  }

  /// The newest and the previous tactile sample of `robot` (the newest marked used) with their
  /// cached estimates.
  func tactile(_ robot: String) -> (
    newest: TactileSample, newestEstimate: TactileEstimate?, previous: TactileSample?,
    previousEstimate: TactileEstimate?
  )? {
    state.withLock { state in
      guard var slot = state.tactile[robot], let newest = slot.newest else { return nil }
      slot.newestUsed = true
      state.tactile[robot] = slot
      return (
        newest, slot.estimates[newest.serial], slot.previous, slot.previous.flatMap { slot.estimates[$0.serial] }
      )
    }
  }

  /// The serial of `robot`'s newest tactile sample.
  func tactileSerial(_ robot: String) -> UInt64? { state.withLock { $0.tactile[robot]?.newest?.serial } }

  /// Caches the tactile estimate of sample `serial` of `robot`.
  func cacheTactile(robot: String, serial: UInt64, _ estimate: TactileEstimate) {
    state.withLock { state in
      guard var slot = state.tactile[robot], slot.newest?.serial == serial || slot.previous?.serial == serial else {
        return
      }
      slot.estimates[serial] = estimate
      state.tactile[robot] = slot
    }
  }
}
