import Foundation

/// One cycle as training data (docs/episodes.md): what the policy was shown at every replan, what
/// it answered, the step timeline and how the cycle ended. Written by the cell as one JSON file
/// per cycle, named by its `cycle_id` (the id yield stores); `workcell episodes export` turns a
/// directory of them into a LeRobot v3.0 dataset.
public struct Episode: Codable, Sendable, Equatable {
  /// The file format; the exporter refuses others.
  public static let format = "workcell-episode/1"

  /// One replan: the observation as the policy received it, and the chunk it answered.
  public struct Frame: Codable, Sendable, Equatable {
    /// Seconds since the cycle started, on the cell's clock (simulated or wall).
    public var timeS: Double
    /// The sequencer step it was planned for (`reach`, `grasp`, …).
    public var step: String
    /// `observation.state`, named by `Episode.stateNames`.
    public var state: [Double]
    /// `action`: step 0 of the chunk, named by `Episode.actionNames` (empty when the policy did
    /// not answer).
    public var action: [Double]
    /// The model that answered.
    public var modelVersion: String
    /// The policy call's latency on the cell's clock, ms.
    public var latencyMs: Double
    /// The observation's sequence number (the chunk answers it).
    public var sequence: UInt64
    /// The model run in the policy's shadow for this observation (nil: none ran).
    public var shadowVersion: String?
    /// How far the shadow's chunk was from the executed one: joint-space RMS over the executed
    /// prefix, radians (nil: no shadow).
    public var shadowDivergenceRad: Double?

    public init(
      timeS: Double, step: String, state: [Double], action: [Double], modelVersion: String, latencyMs: Double,
      sequence: UInt64, shadowVersion: String? = nil, shadowDivergenceRad: Double? = nil
    ) {
      self.timeS = timeS
      self.step = step
      self.state = state
      self.action = action
      self.modelVersion = modelVersion
      self.latencyMs = latencyMs
      self.sequence = sequence
      self.shadowVersion = shadowVersion
      self.shadowDivergenceRad = shadowDivergenceRad
    }
  }

  /// One step of the cycle's timeline, as yield's record has it.
  public struct StepTiming: Codable, Sendable, Equatable {
    public var step: String
    public var startedS: Double
    public var durationMs: Int
    public var attempts: Int

    public init(step: String, startedS: Double, durationMs: Int, attempts: Int) {
      self.step = step
      self.startedS = startedS
      self.durationMs = durationMs
      self.attempts = attempts
    }
  }

  public var format = Episode.format
  public var cycleID: String
  public var robot: String
  public var cell: String
  /// The model version the cycle record names.
  public var modelVersion: String
  /// When the cycle started (ISO 8601 on the cell's clock).
  public var startedAt: Date
  /// The task in words (LeRobot's task string).
  public var task: String
  /// How often the policy replans, Hz: the dataset's fps.
  public var replanHz: Double
  public var stateNames: [String]
  public var actionNames: [String]
  public var frames: [Frame]
  public var steps: [StepTiming]
  /// `ok`, `nok` or `aborted`.
  public var outcome: String
  /// Yield's failure code name (empty when ok).
  public var failureCode: String
  public var attempts: Int
  public var cycleMs: Int
  /// What control executed during the cycle, from its loop's own trace (nil: control could not
  /// say; the episode is still written).
  public var trace: Trace?
  /// The cameras' videos beside the episode (`--episodes-video`; nil: none recorded).
  public var videos: [Video]?

  public init(
    cycleID: String, robot: String, cell: String, modelVersion: String, startedAt: Date, task: String, replanHz: Double,
    stateNames: [String], actionNames: [String], frames: [Frame], steps: [StepTiming], outcome: String,
    failureCode: String, attempts: Int, cycleMs: Int, trace: Trace? = nil
  ) {
    self.cycleID = cycleID
    self.robot = robot
    self.cell = cell
    self.modelVersion = modelVersion
    self.startedAt = startedAt
    self.task = task
    self.replanHz = replanHz
    self.stateNames = stateNames
    self.actionNames = actionNames
    self.frames = frames
    self.steps = steps
    self.outcome = outcome
    self.failureCode = failureCode
    self.attempts = attempts
    self.cycleMs = cycleMs
    self.trace = trace
  }

  enum CodingKeys: String, CodingKey {
    case format, robot, cell, task, frames, steps, outcome, attempts
    case cycleID = "cycle_id"
    case modelVersion = "model_version"
    case startedAt = "started_at"
    case replanHz = "replan_hz"
    case stateNames = "state_names"
    case actionNames = "action_names"
    case failureCode = "failure_code"
    case cycleMs = "cycle_ms"
    case trace, videos
  }
}

extension Episode.Frame {
  enum CodingKeys: String, CodingKey {
    case step, state, action, sequence
    case timeS = "time_s"
    case modelVersion = "model_version"
    case latencyMs = "latency_ms"
    case shadowVersion = "shadow_version"
    case shadowDivergenceRad = "shadow_divergence_rad"
  }
}

extension Episode.StepTiming {
  enum CodingKeys: String, CodingKey {
    case step, attempts
    case startedS = "started_s"
    case durationMs = "duration_ms"
  }
}
