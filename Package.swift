// swift-tools-version:6.1
// Workcell: the software of humanoid-robot assembly cells, as a fleet of gRPC services.
// Layers (see docs/architecture.md, docs/style.md): Protos → Shared/WorkcellProto (generated, committed)
// → pure Shared libraries → Services/<name> (I/O, handlers) → thin mains.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
]

let grpc: [Target.Dependency] = [
  .product(name: "GRPCCore", package: "grpc-swift-2"),
  .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
  .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
  .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
  .product(name: "SwiftProtobuf", package: "swift-protobuf"),
]

/// One fleet service: its library under Services/<folder>/<Module>, its thin main under
/// Services/<folder>/Main, and the executable product named as operators type it.
struct FleetServiceTargets {
  let executable: String
  let module: String
  let extraDependencies: [Target.Dependency]
  var resources: [Resource]? = nil
  /// Settings beyond the common ones (e.g. a hot loop's release-only flags).
  var extraSwiftSettings: [SwiftSetting] = []

  var folder: String { "Services/\(executable)" }
  var library: Target {
    .target(
      name: module,
      dependencies: ["WorkcellRuntime", "WorkcellProto", "SimulatedTime"] + grpc + extraDependencies,
      path: "\(folder)/\(module)",
      resources: resources,
      swiftSettings: swiftSettings + extraSwiftSettings
    )
  }
  var main: Target {
    .executableTarget(
      name: "\(module)Main",
      dependencies: [.target(name: module), "WorkcellRuntime"],
      path: "\(folder)/Main",
      swiftSettings: swiftSettings
    )
  }
  var product: Product { .executable(name: executable, targets: ["\(module)Main"]) }
}

let fleet: [FleetServiceTargets] = [
  .init(
    executable: "perception", module: "PerceptionService",
    extraDependencies: [
      "NutPerception", "RobotDescription",
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      .product(name: "Logging", package: "swift-log"),
    ]),
  .init(
    executable: "policy", module: "PolicyService",
    extraDependencies: [
      "PolicyRuntime", "WholeBodyControl", "MotionPlanning",
      .product(name: "Crypto", package: "swift-crypto"),
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "Logging", package: "swift-log"),
    ]),
  .init(
    executable: "control", module: "ControlService",
    extraDependencies: [
      "WholeBodyControl", "JointBus", "PlantConfig", "RobotDescription", "RobotHardware",
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      .product(name: "Logging", package: "swift-log"),
    ]),
  .init(
    executable: "plc-bridge", module: "PlcBridgeService",
    extraDependencies: [
      "ModbusProtocol", "ModbusTCP", "PlcHandshakes", "PlantConfig",
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      .product(name: "NIOCore", package: "swift-nio"),
      .product(name: "NIOPosix", package: "swift-nio"),
    ]),
  .init(executable: "cell", module: "CellService", extraDependencies: [
      "CycleSequencing", "DurableOutbox", "EpisodeRecording", "NutPerception", "PolicyRuntime", "WholeBodyControl", "YieldKPI",
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      .product(name: "Logging", package: "swift-log"),
    ]),
  .init(
    executable: "yield", module: "YieldService",
    extraDependencies: [
      "YieldKPI", "YieldStore", "PlantConfig",
      .product(name: "PostgresNIO", package: "postgres-nio"),
      .product(name: "SQLiteNIO", package: "sqlite-nio"),
      .product(name: "Crypto", package: "swift-crypto"),
      .product(name: "Prometheus", package: "swift-prometheus"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      .product(name: "Hummingbird", package: "hummingbird"),
    ],
    resources: [.embedInCode("openapi.yaml"), .embedInCode("page.html"), .embedInCode("page.css"), .embedInCode("page.js")]),
  .init(
    executable: "cell-sim", module: "CellSimService",
    extraDependencies: [
      "ModbusProtocol", "ModbusTCP", "PlcHandshakes", "SimulatedPLC", "CellWorld", "JointBus", "RobotHardware",
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    ],
    // The stepping loop (SimWorldLoop) keeps its state in local variables its nested functions
    // share; the run-time exclusivity checks on them were ~3 % of a simulated shift's wall time.
    // Release builds only: debug builds and tests keep checking.
    extraSwiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
]

let package = Package(
  name: "workcell",
  products: fleet.map(\.product) + [
    .executable(name: "workcell", targets: ["WorkcellCLI"]),
    .executable(name: "workcell-bench", targets: ["WorkcellBench"]),
    .executable(name: "workcell-train", targets: ["WorkcellTrain"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
  ],
  targets: [
    // Generated by scripts/generate-protos.sh from Protos/; never edited by hand.
    .target(
      name: "WorkcellProto",
      dependencies: grpc,
      path: "Shared/WorkcellProto",
      exclude: ["PROTOS_SHA256"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // What every service gets for free: config, logging, metrics, health, shutdown, errors.
    .target(
      name: "WorkcellRuntime",
      dependencies: [
        "WorkcellProto", "PlantConfig", "YieldKPI", "SimulatedTime", "JointBus", "ModbusTCP",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
      ] + grpc,
      path: "Shared/WorkcellRuntime",
      swiftSettings: swiftSettings
    ),
    // Modbus TCP frames and PDUs, pure (no I/O): used by the PLC bridge and the simulated PLCs.
    .target(name: "ModbusProtocol", path: "Shared/ModbusProtocol", swiftSettings: swiftSettings),
    // Modbus TCP over SwiftNIO: a client for the PLC bridge, a server for the simulated PLCs.
    .target(
      name: "ModbusTCP",
      dependencies: [
        "ModbusProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      path: "Shared/ModbusTCP",
      swiftSettings: swiftSettings
    ),
    // The cell PLCs' I/O map and handshakes as pure state machines (docs/plc-io-map.md).
    .target(name: "PlcHandshakes", path: "Shared/PlcHandshakes", swiftSettings: swiftSettings),
    // The simulated feeder and fixture PLCs' logic, pure (cell-sim serves it over Modbus TCP).
    .target(
      name: "SimulatedPLC", dependencies: ["ModbusProtocol", "PlcHandshakes"], path: "Shared/SimulatedPLC",
      swiftSettings: swiftSettings),
    // The robot, described once (joint names, limits, DH chain, tool frame, body, cell layout), pure
    // and with no dependencies: control, the policy, perception, cell-sim and the trainer read it.
    .target(name: "RobotDescription", path: "Shared/RobotDescription", swiftSettings: swiftSettings),
    // The simulated cell's world model (robots, nut, pin, sensors, failure modes), pure and seeded.
    .target(
      name: "CellWorld", dependencies: ["RobotDescription", "RobotHardware"], path: "Shared/CellWorld", swiftSettings: swiftSettings),
    .target(name: "SimulatedTime", path: "Shared/SimulatedTime", swiftSettings: swiftSettings),
    .testTarget(name: "SimulatedTimeTests", dependencies: ["SimulatedTime"], swiftSettings: swiftSettings),
    // What a controller reads from and writes to a robot (ros2_control's state and command
    // interfaces), pure: the seam between the control law and whatever hardware carries it.
    .target(
      name: "RobotHardware", dependencies: ["RobotDescription"], path: "Shared/RobotHardware",
      swiftSettings: swiftSettings),
    // The robot joint bus (docs/joint-bus.md), pure: the UDP datagrams' codec and CRC-32, their
    // mapping to the hardware interfaces, and the in-process hub.
    .target(name: "JointBus", dependencies: ["RobotHardware"], path: "Shared/JointBus", swiftSettings: swiftSettings),
    // The cell's cycle as a pure state machine: steps, budgets, safe retries, verdicts (issue #6).
    .target(
      name: "CycleSequencing", dependencies: ["YieldKPI"], path: "Shared/CycleSequencing", swiftSettings: swiftSettings),
    .testTarget(name: "CycleSequencingTests", dependencies: ["CycleSequencing", "YieldKPI"], swiftSettings: swiftSettings),
    // Store-and-forward of records in a SQLite file: the cell's outbox to yield (issue #6).
    .target(
      name: "DurableOutbox",
      dependencies: [
        .product(name: "SQLiteNIO", package: "sqlite-nio"), .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Shared/DurableOutbox", swiftSettings: swiftSettings),
    .testTarget(
      name: "DurableOutboxTests",
      dependencies: ["DurableOutbox", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
    // Every cycle as training data: one durable file per cycle within a disk budget (docs/episodes.md).
    .target(name: "EpisodeRecording", path: "Shared/EpisodeRecording", swiftSettings: swiftSettings),
    .testTarget(name: "EpisodeRecordingTests", dependencies: ["EpisodeRecording"], swiftSettings: swiftSettings),
    // Perception from raw frames (issue #6), pure: nut pose and spline phase from camera images,
    // grasp state from tactile images (analytic, or the learned TactileOffsetNet on PolicyRuntime's
    // layers), contact wrench from joint torques, fusion, tactile refinement.
    .target(
      name: "NutPerception", dependencies: ["PolicyRuntime"], path: "Shared/NutPerception", swiftSettings: swiftSettings),
    .testTarget(
      name: "NutPerceptionTests", dependencies: ["NutPerception", "CellWorld", "PolicyRuntime"], swiftSettings: swiftSettings),
    // The policy's runtime (issue #6), pure: safetensors, batched dense layers, observation → action chunk.
    .target(
      name: "PolicyRuntime", dependencies: ["RobotDescription"], path: "Shared/PolicyRuntime", swiftSettings: swiftSettings),
    .testTarget(name: "PolicyRuntimeTests", dependencies: ["PolicyRuntime", "CellWorld"], swiftSettings: swiftSettings),
    // A scripted motion planner that answers the policy's question without a network (issue #6's baseline).
    .target(
      name: "MotionPlanning", dependencies: ["PolicyRuntime", "RobotDescription", "WholeBodyControl"], path: "Shared/MotionPlanning",
      swiftSettings: swiftSettings),
    .testTarget(
      name: "MotionPlanningTests", dependencies: ["MotionPlanning", "PolicyRuntime", "WholeBodyControl", "CellWorld"],
      swiftSettings: swiftSettings),
    // Whole-body control's 1 kHz law (issue #6), pure: chunk interpolation, limits, balance, staged stops.
    .target(
      name: "WholeBodyControl", dependencies: ["RobotDescription", "RobotHardware"], path: "Shared/WholeBodyControl", swiftSettings: swiftSettings),
    .testTarget(
      name: "WholeBodyControlTests", dependencies: ["WholeBodyControl", "JointBus", "CellWorld", "RobotHardware"], swiftSettings: swiftSettings),
    // Yield KPI math (docs/yield-api.md definitions), pure: summaries, OEE, shift calendar, Pareto.
    .target(name: "YieldKPI", path: "Shared/YieldKPI", swiftSettings: swiftSettings),
    // The plant file (YAML) as a model with source lines, and its checks; pure (no I/O but reading the file).
    .target(
      name: "PlantConfig", dependencies: ["YieldKPI", .product(name: "Yams", package: "Yams")],
      path: "Shared/PlantConfig", swiftSettings: swiftSettings),
    .target(
      name: "YieldStore",
      dependencies: [
        "YieldKPI",
        .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "SQLiteNIO", package: "sqlite-nio"),
        .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Shared/YieldStore", swiftSettings: swiftSettings),
    // The operator's command: `workcell serve`, and later demo, status, config, compose …
    .executableTarget(
      name: "WorkcellCLI",
      dependencies: [
        "WorkcellRuntime", "WorkcellProto", "PlantConfig", "SimulatedTime", "RobotDescription", "NutPerception",
        .product(name: "Crypto", package: "swift-crypto"),
      ]
        + grpc + fleet.map { .target(name: $0.module) },
      path: "Services/workcell",
      swiftSettings: swiftSettings
    ),
    // `workcell-train`: demonstrations from the scripted expert in the simulated world → policy weights.
    .executableTarget(
      name: "WorkcellTrain",
      dependencies: [
        "CellWorld", "PolicyRuntime", "CycleSequencing", "MotionPlanning", "WholeBodyControl", "RobotDescription",
        "RobotHardware", "NutPerception",
      ], path: "Services/workcell-train",
      swiftSettings: swiftSettings),
    // workcell-train's dataset side for the PyTorch trainer: .npy arrays, dataset staging files.
    .testTarget(name: "WorkcellTrainTests", dependencies: ["WorkcellTrain", "PolicyRuntime"], swiftSettings: swiftSettings),
    // `workcell-bench <name>`: release-build benchmarks printing `metric: value unit` lines.
    .executableTarget(
      name: "WorkcellBench",
      dependencies: [
        "WorkcellRuntime", "WorkcellProto", "ModbusProtocol", "ModbusTCP", "YieldKPI", "YieldStore", "CycleSequencing",
        .product(name: "PostgresNIO", package: "postgres-nio"), "CellWorld", "JointBus", "RobotHardware", "PolicyRuntime",
        "MotionPlanning",
        .product(name: "Logging", package: "swift-log"),
      ] + grpc,
      path: "Services/workcell-bench",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "WorkcellRuntimeTests",
      dependencies: [
        "WorkcellRuntime", "WorkcellProto", "PlantConfig", .product(name: "X509", package: "swift-certificates"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ] + grpc,
      swiftSettings: swiftSettings
    ),
    .testTarget(name: "ModbusProtocolTests", dependencies: ["ModbusProtocol", "CellWorld"], swiftSettings: swiftSettings),
    .testTarget(
      name: "ModbusTCPTests",
      dependencies: [
        "ModbusTCP", "ModbusProtocol",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "PlcBridgeTests",
      dependencies: [
        "PlcBridgeService", "CellSimService", "ModbusTCP", "PlcHandshakes", "SimulatedPLC", "WorkcellRuntime",
        "WorkcellProto", "PlantConfig",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ] + grpc,
      swiftSettings: swiftSettings),
    .testTarget(
      name: "PerceptionServiceTests",
      dependencies: [
        "PerceptionService", "CellSimService", "WorkcellRuntime", "WorkcellProto",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ] + grpc,
      swiftSettings: swiftSettings),
    // The test bundle's counting malloc (TickAllocationTests: a control tick allocates nothing).
    .target(name: "AllocationCounting", path: "Tests/AllocationCounting"),
    .testTarget(
      name: "ControlServiceTests",
      dependencies: [
        "ControlService", "CellSimService", "WorkcellProto", "WorkcellRuntime", "JointBus", "AllocationCounting",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ] + grpc,
      swiftSettings: swiftSettings),
    // The cell's sequencer against fakes of its peers over the in-process transport.
    .testTarget(
      name: "CellServiceTests",
      dependencies: [
        "CellService", "WorkcellProto", "WorkcellRuntime", "WholeBodyControl",
        .product(name: "Logging", package: "swift-log"),
      ] + grpc,
      swiftSettings: swiftSettings),
    .testTarget(
      name: "PolicyServiceTests",
      dependencies: [
        "PolicyService", "PolicyRuntime", "WorkcellProto", "WorkcellRuntime",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ] + grpc,
      swiftSettings: swiftSettings),
    .testTarget(name: "YieldKPITests", dependencies: ["YieldKPI"], swiftSettings: swiftSettings),
    .testTarget(name: "PlantConfigTests", dependencies: ["PlantConfig", "YieldKPI"], swiftSettings: swiftSettings),
    .testTarget(
      name: "YieldStoreTests",
      dependencies: ["YieldStore", "YieldKPI", .product(name: "Logging", package: "swift-log")],
      swiftSettings: swiftSettings),
    .testTarget(
      name: "YieldServiceTests",
      dependencies: [
        "YieldService", "YieldStore", "YieldKPI", "WorkcellRuntime", "WorkcellProto", "CellWorld",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ] + grpc,
      swiftSettings: swiftSettings),
    .testTarget(name: "PlcHandshakesTests", dependencies: ["PlcHandshakes"], swiftSettings: swiftSettings),
    .testTarget(name: "CellWorldTests", dependencies: ["CellWorld", "RobotHardware"], swiftSettings: swiftSettings),
    .testTarget(
      name: "RobotDescriptionTests",
      dependencies: ["RobotDescription", "CellWorld", "JointBus", "MotionPlanning", "PolicyRuntime", "WholeBodyControl"],
      swiftSettings: swiftSettings),
    .testTarget(name: "JointBusTests", dependencies: ["JointBus", "RobotHardware"], swiftSettings: swiftSettings),
    // End to end: launches the built executables; run after `swift build`.
    .testTarget(
      name: "FleetTests",
      dependencies: ["WorkcellProto", "JointBus"] + grpc,
      swiftSettings: swiftSettings
    ),
  ] + fleet.flatMap { [$0.library, $0.main] }
)
