import SimulatedTime
import PolicyRuntime
import WholeBodyControl

/// The policy service's resolved configuration: which model answers at start, how requests
/// from several robots are batched, and the cell layout the proto observation does not carry.
struct PolicyConfig: Sendable {
  /// The model file loaded and activated at start (relative paths: the working directory).
  var modelPath: String
  /// Batching across robots.
  var batcher: PolicyBatcher.Config
  /// The cell layout used to fill what the observation lacks (see `CellLayout`).
  var layout: CellLayout
  /// The built-in scripted planner answers from the start instead of the model.
  var scriptedPlanner: Bool
  /// The inference latency modelled on the fleet's clock: a chunk is answered L after the call
  /// (on a simulated clock, L of simulated time whatever the computation took).
  var latency: LatencyModel = .none
  /// Robots answered by another version than the active one from the start (canaries).
  var canaries: [(robot: String, version: String)] = []
  /// The version run in the shadow from the start (nil: none).
  var shadow: String?
  /// Steps of a chunk a shadow is compared over (the part a robot executes before it replans).
  var shadowPrefixSteps = 5
}
