/// Command-line options of `workcell-train` (plain flags; the executable has no other dependency).
struct TrainOptions {
  var trainSeeds = 60
  var firstTrainSeed: UInt64 = 1
  var cyclesPerSeed = 3
  var validationFraction = 0.15
  var evalSeeds = 20
  var firstEvalSeed: UInt64 = 100_001
  var evalCyclesPerSeed = 2
  var epochs = 10
  var batchSize = 256
  var learningRate: Float = 1e-3
  var hiddenSizes = [256, 256]
  var activation = "gelu"
  var chunkSteps = 30
  var stepPeriodMs = 20
  var replanSteps = 5
  var seed: UInt64 = 1
  var outputDirectory = "models/policy"
  var version = "wc-mlp-2"
  var failureRateScale = 1.0
  var widthJitterMm = 3.0
  var jointNoiseRad = 0.01
  var daggerSeeds = 60
  var firstDaggerSeed: UInt64 = 200_001
  var takeoversPerSeed = 3
  var daggerEpochs = 6
  var help = false
  var traceEval = false
  var evalOnly = false
  var planner = "model"
  var throughControlLatencyMs: Int?
  var noBalanceCorrection = false
  var coldStart = false
  var exportDataset: String?
  var takeoverModel: String?
  var python: String?
  var inferFeatures: String?
  var model: String?
  var out: String?
  var reportJSON: String?
  var labelWith = "expert"
  var student: String?
  var beta: Double?
  var rolloutLatenciesMs = [0, 50, 100, 150]
  var tactileDataset: String?
  var grasps = 20_000
  var inferTactile: String?

  static let usage = """
    workcell-train: demonstrations from the scripted expert in the simulated cell → a policy MLP.

    Records (features at t → the expert's next chunk of joint/gripper targets) from CellWorld
    with ScriptedExpert, fits the MLP with Adam on MSE, evaluates it closed-loop on held-out seeds
    against the expert, measures inference latency, and writes
    <output>/<version>.safetensors and <output>/<version>.md (model card). Same options → same
    weights (every random draw is seeded). Build with -c release; defaults run in a few minutes.

    USAGE: workcell-train [options]

    DATA
      --train-seeds N           worlds to record (default 60), seeds first-train-seed…
      --first-train-seed N      first training seed (default 1)
      --cycles-per-seed N       expert cycles per training world (default 3)
      --validation-fraction F   share of training seeds held out for validation loss (default 0.15)
      --failure-rate-scale F    multiply every world failure rate (default 1 = CellWorld's defaults)
      --width-jitter-mm F       σ of Gaussian noise added to the recorded gripper width (default 3)
      --joint-noise-rad F       σ of the joint offsets of a perturbed copy of every sample, labelled
                                with the way back to the expert's path (default 0.01; 0 = no copies)
    MODEL
      --hidden A,B,...          hidden layer widths (default 256,256)
      --activation NAME         relu | gelu | tanh (default gelu)
      --chunk-steps N           steps per chunk (default 30)
      --step-period-ms N        time between steps (default 20)
    DAGGER (after the first fit: the policy drives, the expert takes over, both sets train on)
      --dagger-seeds N          worlds for expert takeovers (default 60; 0 = plain behaviour cloning)
      --first-dagger-seed N     first takeover world (default 200001)
      --takeovers-per-seed N    takeovers per world (default 3)
      --dagger-epochs N         epochs on demonstrations + takeovers (default 6)
    TRAINING
      --epochs N                passes over the demonstrations (default 10)
      --batch-size N            minibatch rows (default 256)
      --learning-rate F         Adam's initial rate, cosine-decayed to 5% (default 0.001)
      --seed N                  initialisation and shuffling seed (default 1)
    EVALUATION
      --eval-seeds N            held-out worlds for the closed-loop test (default 20)
      --first-eval-seed N       first held-out seed (default 100001)
      --eval-cycles-per-seed N  cycles per held-out world (default 2)
      --replan-steps N          chunk steps executed before the next inference (default 5)
    OUTPUT
      --output DIR              directory for the weights and model card (default models/policy)
      --version NAME            model version, the files' base name (default wc-mlp-2)
      --eval-only               load <output>/<version>.safetensors (or --model FILE) and only
                                evaluate it, e.g. a model trained by training/train_policy.py
      --report-json FILE        with --eval-only or --planner scripted: also write the tally as
                                JSON ({"fastened", "cycles", "outcomes", "failures_by_step", "seeds"})
      --planner scripted        evaluate the scripted chunk planner (MotionPlanning) instead of a
                                model, on the same held-out worlds and closed loop; trains nothing
      --through-control-latency-ms N
                                with --planner scripted or --eval-only: the chunks go through the
                                whole-body controller (as control runs it) and arrive N ms after the look
      --trace-eval              print the closed loop's state every 250 ms (diagnosis)
      -h, --help                this text
    DATASET (the PyTorch trainer's side: training/train_policy.py, scripts/train-policy.sh)
      --export-dataset DIR      record the demonstrations (DATA options) and write them as a LeRobot
                                v3.0 dataset in DIR (new or empty) instead of training: one frame per
                                sample, observation.state = the policy features, action = the label
                                chunk flattened; Parquet written by training/write_dataset.py (pyarrow)
      --takeover-model FILE     with --export-dataset: also record expert takeovers from this model's
                                rollouts (DAGGER options: --dagger-seeds, --takeovers-per-seed)
      --label-with planner      with --export-dataset: instead of ScriptedExpert demonstrations, roll
                                out through the whole-body controller (chunks arriving after a latency
                                drawn per cycle from --rollout-latencies-ms) and label every 20 ms
                                observation with the scripted planner's chunk, planned on from the
                                chunk given last; features wc-features-3 (DAgger, docs/policy.md)
      --student FILE            with --label-with planner: a wc-features-3 model that drives each
                                replan with probability 1 − β (the planner drives otherwise)
      --beta F                  probability the planner drives a replan (default 1 without a
                                student, 0.5 with one)
      --rollout-latencies-ms L  latencies drawn per rollout cycle (default 0,50,100,150)
      --python PY               the Python that writes the Parquet (default $WORKCELL_PYTHON, else
                                .venv/bin/python, else python3)
      --infer-features IN.npy   run the Swift runtime's forward pass (raw outputs, before chunk
                                decoding) on the float32 [N, 41] features in IN.npy with --model FILE
                                and write [N, outputs] to --out OUT.npy (the parity test's Swift side)
      --model FILE              the model file for --infer-features or --eval-only
      --out FILE                the output of --infer-features or --infer-tactile
    TACTILE (the learned tactile refinement: training/train_tactile.py, scripts/train-tactile.sh)
      --tactile-dataset DIR     draw --grasps simulated grasps (the world's pad model, TactilePad)
                                and write DIR/features.npy [N, 201] (both pads' taxels, the analytic
                                fit's across/along mm, the grip force), DIR/labels.npy [N, 2] (the
                                nut's true across/along mm), DIR/spurious.npy [N, 1] and
                                DIR/manifest.json; seeded by --seed
      --grasps N                grasps for --tactile-dataset (default 20000)
      --infer-tactile IN.npy    run a tactile model (--model FILE) on the float32 [N, 201] features
                                in IN.npy and write its [N, 2] corrections to --out OUT.npy (the parity
                                test's Swift side)
    """

  struct ParseError: Error { var message: String }

  init() {}

  init(arguments: [String]) throws(ParseError) {
    var i = 0
    func value(_ flag: String) throws(ParseError) -> String {
      i += 1
      guard i < arguments.count else { throw ParseError(message: "\(flag) needs a value") }
      return arguments[i]
    }
    func int(_ flag: String) throws(ParseError) -> Int {
      let text = try value(flag)
      guard let n = Int(text), n >= 0 else { throw ParseError(message: "\(flag) \(text): expected a non-negative integer") }
      return n
    }
    func double(_ flag: String) throws(ParseError) -> Double {
      let text = try value(flag)
      guard let d = Double(text), d >= 0 else { throw ParseError(message: "\(flag) \(text): expected a non-negative number") }
      return d
    }
    while i < arguments.count {
      let flag = arguments[i]
      switch flag {
      case "-h", "--help": help = true
      case "--trace-eval": traceEval = true
      case "--eval-only": evalOnly = true
      case "--through-control-latency-ms": throughControlLatencyMs = try int(flag)
      case "--no-balance-correction": noBalanceCorrection = true
      case "--cold-start": coldStart = true
      case "--export-dataset": exportDataset = try value(flag)
      case "--takeover-model": takeoverModel = try value(flag)
      case "--python": python = try value(flag)
      case "--infer-features": inferFeatures = try value(flag)
      case "--tactile-dataset": tactileDataset = try value(flag)
      case "--grasps": grasps = try int(flag)
      case "--infer-tactile": inferTactile = try value(flag)
      case "--model": model = try value(flag)
      case "--out": out = try value(flag)
      case "--report-json": reportJSON = try value(flag)
      case "--label-with":
        labelWith = try value(flag)
        guard ["expert", "planner"].contains(labelWith) else {
          throw ParseError(message: "--label-with \(labelWith): expected expert or planner")
        }
      case "--student": student = try value(flag)
      case "--beta":
        let b = try double(flag)
        guard b <= 1 else { throw ParseError(message: "--beta \(b): expected a probability in [0, 1]") }
        beta = b
      case "--rollout-latencies-ms":
        let text = try value(flag)
        let values = text.split(separator: ",").map { Int($0.filter { $0 != " " }) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
          throw ParseError(message: "--rollout-latencies-ms \(text): expected milliseconds like 0,50,100,150")
        }
        rolloutLatenciesMs = values.map { $0! }
      case "--planner":
        planner = try value(flag)
        guard ["model", "scripted"].contains(planner) else {
          throw ParseError(message: "--planner \(planner): expected model or scripted")
        }
      case "--train-seeds": trainSeeds = try int(flag)
      case "--first-train-seed": firstTrainSeed = UInt64(try int(flag))
      case "--cycles-per-seed": cyclesPerSeed = try int(flag)
      case "--validation-fraction": validationFraction = try double(flag)
      case "--failure-rate-scale": failureRateScale = try double(flag)
      case "--width-jitter-mm": widthJitterMm = try double(flag)
      case "--joint-noise-rad": jointNoiseRad = try double(flag)
      case "--dagger-seeds": daggerSeeds = try int(flag)
      case "--first-dagger-seed": firstDaggerSeed = UInt64(try int(flag))
      case "--takeovers-per-seed": takeoversPerSeed = try int(flag)
      case "--dagger-epochs": daggerEpochs = try int(flag)
      case "--hidden":
        let text = try value(flag)
        let sizes = text.split(separator: ",").compactMap { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ParseError(message: "--hidden \(text): expected widths like 256,256") }
        hiddenSizes = sizes
      case "--activation": activation = try value(flag)
      case "--chunk-steps": chunkSteps = try int(flag)
      case "--step-period-ms": stepPeriodMs = try int(flag)
      case "--epochs": epochs = try int(flag)
      case "--batch-size": batchSize = try int(flag)
      case "--learning-rate": learningRate = Float(try double(flag))
      case "--seed": seed = UInt64(try int(flag))
      case "--eval-seeds": evalSeeds = try int(flag)
      case "--first-eval-seed": firstEvalSeed = UInt64(try int(flag))
      case "--eval-cycles-per-seed": evalCyclesPerSeed = try int(flag)
      case "--replan-steps": replanSteps = try int(flag)
      case "--output": outputDirectory = try value(flag)
      case "--version": version = try value(flag)
      default: throw ParseError(message: "unknown option \(flag) (see --help)")
      }
      i += 1
    }
    guard trainSeeds >= 2, cyclesPerSeed >= 1, epochs >= 1, batchSize >= 1, chunkSteps >= 1, stepPeriodMs >= 1 else {
      throw ParseError(message: "train-seeds ≥ 2, cycles-per-seed, epochs, batch-size, chunk-steps and step-period-ms ≥ 1")
    }
  }
}
