import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import WorkcellProto
import WorkcellRuntime

/// Why `workcell cell` could not do what it was asked: the cell did not answer, or refused.
struct CellCommandError: Error, CustomStringConvertible {
  enum Code: String, Sendable {
    /// No answer from the cell service (down, wrong address, network): exit 2.
    case unreachable
    /// The cell answered no (a transition it cannot make now, an unknown robot): exit 1.
    case refused
  }

  var code: Code
  var message: String
  var description: String { message }
  var exitCode: ExitCode { code == .unreachable ? ExitCode(2) : ExitCode(1) }
}

/// The calls `workcell cell` makes on one cell's sequencer.
struct CellControl: Sendable {
  let client: Workcell_Cell_V1_Cell.Client<HTTP2ClientTransport.Posix>
  let options: CallOptions

  func status() async throws -> Workcell_Cell_V1_GetStatusResponse {
    try await client.getStatus(.init(), options: options)
  }

  func start(robots: [String], cycleLimit: UInt32) async throws -> [Workcell_Cell_V1_RobotStatus] {
    try await client.start(.with { $0.robots = robots; $0.cycleLimit = cycleLimit }, options: options).robots
  }

  func pause(robots: [String]) async throws -> [Workcell_Cell_V1_RobotStatus] {
    try await client.pause(.with { $0.robots = robots }, options: options).robots
  }

  func stop(robots: [String], abortCycles: Bool) async throws -> [Workcell_Cell_V1_RobotStatus] {
    try await client.stop(.with { $0.robots = robots; $0.abortCycles = abortCycles }, options: options).robots
  }

  /// Stop with the cycles aborted, refused for a faulted robot: only Start resets one (PLC
  /// faults, control, homing), and Stop would leave it faulted while looking done.
  func reset(robots: [String]) async throws -> [Workcell_Cell_V1_RobotStatus] {
    let status = try await status()
    let named = robots.isEmpty ? status.robots : status.robots.filter { robots.contains($0.robot) }
    if let unknown = robots.first(where: { id in !status.robots.contains { $0.robot == id } }) {
      throw CellCommandError(
        code: .refused,
        message: "Unknown robot '\(unknown)'; this cell has \(status.robots.map(\.robot).joined(separator: ", ")).")
    }
    let faulted = named.filter { $0.runState == .faulted }
    if !faulted.isEmpty {
      let which = faulted.map { "\($0.robot) (\($0.safety.reason.isEmpty ? "no reason given" : $0.safety.reason))" }
      throw CellCommandError(
        code: .refused,
        message: "Faulted: \(which.joined(separator: ", ")). The cell resets a faulted robot when it starts (PLC faults reset, control resumed, arm homed): clear the cause (release the e-stop, fix the PLC fault), then `workcell cell start` \(faulted.map { "--robot \($0.robot)" }.joined(separator: " ")).")
    }
    return try await stop(robots: named.map(\.robot), abortCycles: true)
  }

  /// Connects to `cell`, runs `body`, and turns gRPC failures into `CellCommandError`s with
  /// messages an operator can act on.
  static func perform<T: Sendable>(
    on cell: CellAddress, timeoutS: Double, _ body: @Sendable (CellControl) async throws -> T
  ) async throws -> T {
    do {
      return try await withGRPCClient(transport: try cell.address.grpcTransport()) { client in
        var options = CallOptions.defaults
        options.timeout = .milliseconds(Int64(timeoutS * 1000))
        return try await body(CellControl(client: Workcell_Cell_V1_Cell.Client(wrapping: client), options: options))
      }
    } catch let error as CellCommandError {
      throw fail(error)
    } catch let error as RPCError {
      switch error.code {
      case .unavailable, .deadlineExceeded:
        throw fail(
          CellCommandError(
            code: .unreachable,
            message: "\(cell.name.prefix(1).uppercased() + cell.name.dropFirst()) does not answer (\(error.code): \(error.message)). Is its cell service running? Check with `workcell health --host \(cell.address.host) --port \(cell.address.port)`."))
      case .failedPrecondition, .invalidArgument, .notFound, .permissionDenied, .aborted:
        throw fail(CellCommandError(code: .refused, message: "The cell refused: \(error.message)"))
      default:
        throw fail(CellCommandError(code: .refused, message: "The cell answered \(error.code): \(error.message)"))
      }
    } catch {
      throw fail(CellCommandError(code: .unreachable, message: "Cannot reach \(cell.name): \(error)"))
    }
  }

  /// Prints the error on standard error and gives the exit code to throw.
  private static func fail(_ error: CellCommandError) -> ExitCode {
    FileHandle.standardError.write(Data("workcell cell: \(error.message)\n".utf8))
    return error.exitCode
  }

  /// The cell's newest cycles from yield (best effort: the status is shown either way).
  static func lastCycles(cell: String, from yield: HostPort, limit: Int, token: String?, timeoutS: Double) async
    -> CellReport.LastCycles
  {
    do {
      let cycles = try await withGRPCClient(transport: try yield.grpcTransport()) { client in
        var options = CallOptions.defaults
        options.timeout = .milliseconds(Int64(min(timeoutS, 5) * 1000))
        var metadata = Metadata()
        if let token, !token.isEmpty { metadata.addString("Bearer \(token)", forKey: "authorization") }
        return try await Workcell_Yield_V1_Yield.Client(wrapping: client).listCycles(
          .with {
            $0.cell = cell
            $0.limit = UInt32(limit)
          }, metadata: metadata, options: options
        ).cycles
      }
      return .cycles(cycles, from: yield)
    } catch let error as RPCError {
      let hint = error.code == .unauthenticated || error.code == .permissionDenied ? " (set WORKCELL_YIELD_TOKEN to a read token)" : ""
      return .unavailable("yield at \(yield): \(error.code)\(hint)")
    } catch {
      return .unavailable("yield at \(yield): \(error)")
    }
  }
}
