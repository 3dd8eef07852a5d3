import ArgumentParser
import Foundation
import MotionPlanning
import PolicyRuntime

/// `workcell-bench policy`: the policy runtime's inference latency per call at batch 1 and 8 —
/// what the policy service does for one Act (features, the forward pass, chunk decoding, the
/// limiter) — beside PyTorch's forward pass of the same file, one thread, in the same run.
struct PolicyBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy",
    abstract: "Policy inference latency at batch 1 and 8 (Swift PolicyModel.act + limiter vs PyTorch's forward pass, anchor).",
    discussion: """
      Targets (issue #18): p99 ≤ 0.2 ms at batch 1 and ≤ 1 ms at batch 8. Swift: PolicyModel.act \
      on N observations (features of the model's version, one batched forward pass, N chunks \
      decoded) and ChunkLimiter on each chunk, timed per call. Anchor: training/bench_forward.py, \
      PyTorch's forward pass of the same file (normalisation included, no decoding), one thread, \
      with the venv's Python (scripts/python-env.sh). Run a release build on a quiet machine.
      """
  )

  @Option(help: "Policy model file (default models/policy/wc-mlp-2.safetensors).")
  var model = "models/policy/wc-mlp-2.safetensors"

  @Option(help: "Timed calls per batch size.")
  var count = 20_000

  @Option(help: "Python interpreter with torch (default: $WORKCELL_PYTHON, else .venv/bin/python, else python3).")
  var python: String?

  @Flag(help: "Skip the PyTorch anchor.")
  var noAnchor = false

  func validate() throws {
    guard count >= 100 else { throw ValidationError("--count must be ≥ 100 (the p99 needs samples).") }
  }

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with a release build.")
    #endif
    guard let bytes = FileManager.default.contents(atPath: model) else {
      throw BenchError("cannot read \(model): run from the repository root or pass --model.")
    }
    let policy = try PolicyModel(bytes: [UInt8](bytes))
    let limiter = ChunkLimiter()
    print("policy_model: \(policy.architecture.version) (\(policy.architecture.featureVersion), \(policy.parameterCount) parameters)")
    for batch in [1, 8] {
      let observations = Self.observations(count: batch, for: policy)
      var sink = 0.0
      for _ in 0..<min(count / 10, 2_000) {
        sink += policy.act(observations).map { limiter.limit($0, measuredRad: observations[0].armJointPositionsRad) }[0]
          .steps[0].jointPositionsRad[0]
      }
      var samples: [Duration] = []
      samples.reserveCapacity(count)
      let clock = ContinuousClock()
      for _ in 0..<count {
        let started = clock.now
        let chunks = policy.act(observations)
        for (i, chunk) in chunks.enumerated() {
          sink += limiter.limit(chunk, measuredRad: observations[i].armJointPositionsRad).steps[29].jointPositionsRad[6]
        }
        samples.append(clock.now - started)
      }
      let summary = LatencySummary(samples)!
      print("policy_act_batch\(batch)_p50: \(GRPCHopBenchmark.decimal(summary.p50Microseconds, 1)) us")
      print("policy_act_batch\(batch)_p99: \(GRPCHopBenchmark.decimal(summary.p99Microseconds, 1)) us")
      if sink.isNaN { print("(unreachable: keeps the work from being optimised away)") }
      if !noAnchor {
        let anchor = try await torchFigures(batch: batch)
        print("policy_torch_forward_batch\(batch)_p50: \(GRPCHopBenchmark.decimal(anchor.p50Microseconds, 1)) us")
        print("policy_torch_forward_batch\(batch)_p99: \(GRPCHopBenchmark.decimal(anchor.p99Microseconds, 1)) us")
      }
      let target = batch == 1 ? 200.0 : 1_000.0
      print("policy_act_batch\(batch)_p99_target: \(GRPCHopBenchmark.decimal(target, 0)) us (\(summary.p99Microseconds <= target ? "met" : "missed"))")
    }
  }

  /// `count` different observations shaped like the cell's, each following a chunk the model
  /// answered a moment before (so wc-features-3 sees a tracked chunk).
  static func observations(count: Int, for policy: PolicyModel) -> [PolicyObservation] {
    (0..<count).map { i in
      let d = Double(i) * 0.01
      let joints = [0.1 + d, -0.7, 0.05, -2.3 + d, 0.1, 1.6, 0.8]
      var o = PolicyObservation(
        sequence: UInt64(i), observedAtS: 100, armJointPositionsRad: joints, gripperWidthM: 0.045,
        nutPositionInTorsoM: [0.45 + d, -0.35, 0.80], tcpPositionInTorsoM: [0.42, -0.30, 0.95],
        pinSeatInTorsoM: [0.55, -0.05, 0.776], nutYawRad: 0.1, splinePhaseDeg: 4, holding: false, seated: false,
        cycleStep: .reach, armJointVelocitiesRadPerS: [0.1, 0, 0, 0.1, 0, 0, 0])
      var earlier = o
      earlier.observedAtS = 99.96
      o = o.following(policy.act(earlier))
      return o
    }
  }

  private func torchFigures(batch: Int) async throws -> LatencySummary {
    let script = "training/bench_forward.py"
    guard FileManager.default.fileExists(atPath: script) else {
      throw BenchError("\(script) not found: run from the repository root (or pass --no-anchor).")
    }
    let child = try ChildProcess(
      executable: GRPCHopBenchmark.pythonInterpreter(python),
      arguments: [script, "--model", model, "--batch", "\(batch)", "--count", "\(count)"])
    let line = try await child.readLine(timeout: .seconds(600))
    _ = await child.waitForExit(timeout: .seconds(10))
    return try GRPCHopBenchmark.decodePythonFigures(line)
  }
}
