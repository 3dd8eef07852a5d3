import Testing
import WorkcellProto

@testable import WorkcellRuntime

@Suite("HealthStatusBoard")
struct HealthStatusBoardTests {
  @Test("knows its services and the server, all NOT_SERVING at first")
  func initialState() {
    let board = HealthStatusBoard(services: ["workcell.plc.v1.PlcBridge"])
    #expect(board.status(of: "") == .notServing)
    #expect(board.status(of: "workcell.plc.v1.PlcBridge") == .notServing)
    #expect(board.status(of: "no.such.Service") == nil)
    #expect(board.allStatuses().count == 2)
  }

  @Test("setAll marks every service and the server")
  func setAll() {
    let board = HealthStatusBoard(services: ["a.A", "b.B"])
    board.setAll(.serving)
    #expect(board.allStatuses().values.allSatisfy { $0 == .serving })
  }

  @Test("a watcher sees the current status, then each change, and ends at shutdown")
  func watch() async {
    let board = HealthStatusBoard(services: ["a.A"])
    let stream = board.watch("a.A")
    board.set(.serving, for: "a.A")
    board.set(.serving, for: "other")  // not this watcher's service
    board.shutDown()
    var seen: [HealthStatusBoard.Status] = []
    for await status in stream { seen.append(status) }
    #expect(seen == [.notServing, .serving, .notServing])
    #expect(board.status(of: "a.A") == .notServing)
  }

  @Test("watching an unknown service reports SERVICE_UNKNOWN, then the status once known")
  func watchUnknown() async {
    let board = HealthStatusBoard(services: [])
    let stream = board.watch("late.Service")
    board.set(.serving, for: "late.Service")
    board.shutDown()
    var seen: [HealthStatusBoard.Status] = []
    for await status in stream { seen.append(status) }
    #expect(seen == [.serviceUnknown, .serving, .notServing])
  }

  @Test("after shutdown, sets are ignored and new watchers end at once")
  func afterShutdown() async {
    let board = HealthStatusBoard(services: ["a.A"])
    board.shutDown()
    board.set(.serving, for: "a.A")
    #expect(board.status(of: "a.A") == .notServing)
    var seen: [HealthStatusBoard.Status] = []
    for await status in board.watch("a.A") { seen.append(status) }
    #expect(seen == [.notServing])
  }
}
