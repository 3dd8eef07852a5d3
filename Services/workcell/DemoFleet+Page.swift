import Foundation
import Logging
import SimulatedTime
import Synchronization
import WorkcellRuntime

/// Where the demo's yield serves its page (docs/yield.md, "The page"): printed on the progress
/// line during the shift, and served on after it with `workcell demo --serve`.
final class DemoPage: Sendable {
  private let port = Mutex<Int?>(nil)

  func listening(on port: Int?) { self.port.withLock { $0 = port } }

  /// The HTTP port yield listens on; nil until it does (or when the demo delivers to another yield).
  var httpPort: Int? { port.withLock { $0 } }

  /// The page's address, e.g. `http://127.0.0.1:9166/`.
  var url: String? { httpPort.map { "http://127.0.0.1:\($0)/" } }
}

extension DemoFleet {
  /// After the shift: the demo's yield alone, on the wall clock, on the same gRPC and HTTP ports
  /// and the same database, until SIGINT or SIGTERM. The rest of the fleet has stopped (a world
  /// stepping with no cell to serve would only burn the cores).
  func serveYield() async throws {
    guard let entry = FleetCatalog.entries.first(where: { $0.name == "yield" }), let httpPort = page.httpPort else {
      throw DemoError("--serve: the demo's yield never listened on HTTP; see \(settings.directory.path)/fleet.log")
    }
    let logger = Logger(label: "workcell.demo")
    let member = try await entry.build(
      "127.0.0.1", ServicePorts(grpc: port("yield"), http: httpPort), environment(), nil, WallClock(), nil, nil, logger)
    let group = FleetRunner.makeGroup(members: [member], grace: .seconds(5), signals: [.sigterm, .sigint], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await group.run() }
      tasks.addTask {
        guard let bound = await member.httpPort(timeout: .seconds(30)) else { return }
        let line = "[demo] serving the yield page at http://127.0.0.1:\(bound)/ and its API until Ctrl-C (SIGINT or SIGTERM)\n"
        FileHandle.standardError.write(Data(line.utf8))
      }
      try await tasks.waitForAll()
    }
  }
}
