import Foundation
import SimulatedTime
import GRPCCore
import ModbusTCP
import PlcHandshakes
import ServiceLifecycle
import SwiftProtobuf
import WorkcellProto

/// `workcell.plc.v1.PlcBridge`: the cell's feeder and fixture handshakes, safety stream and I/O
/// snapshot, served from the sides this bridge is configured with.
struct PlcBridgeRPC: Workcell_Plc_V1_PlcBridge.SimpleServiceProtocol {
  let sides: [Workcell_Common_V1_Side: PlcSide]
  let safetyPeriod: Duration
  /// The bridge's clock (the safety stream's period and stamps).
  var clock: any WorkcellClock = WallClock()

  private func side(_ side: Workcell_Common_V1_Side) throws -> PlcSide {
    guard side != .unspecified else {
      throw RPCError(code: .invalidArgument, message: "The request names no side; give SIDE_LEFT or SIDE_RIGHT.")
    }
    guard let found = sides[side] else {
      let known = sides.keys.map { PlcEndpoint.name(of: $0) }.sorted()
      throw RPCError(
        code: .invalidArgument,
        message: "This bridge has no \(PlcEndpoint.name(of: side)) side; it is configured for "
          + (known.isEmpty ? "no side (start it with --feeder and --fixture)" : known.joined(separator: ", ")) + ".")
    }
    return found
  }

  func requestPart(
    request: Workcell_Plc_V1_RequestPartRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_RequestPartResponse {
    let (remaining, snapshot, wait) = try await side(request.side).requestPart()
    let fed = FeederInputs(discreteInputs: snapshot.discreteInputs, inputRegisters: snapshot.inputRegisters)?.partsFed ?? 0
    return .with {
      $0.partsRemaining = UInt32(remaining)
      $0.partsFed = UInt32(fed)
      $0.presentedAt = Google_Protobuf_Timestamp(date: snapshot.readAtWall)
      $0.waitMs = UInt32(clamping: wait?.elapsedMilliseconds ?? 0)
    }
  }

  func confirmPartTaken(
    request: Workcell_Plc_V1_ConfirmPartTakenRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ConfirmPartTakenResponse {
    let snapshot = try await side(request.side).confirmPartTaken()
    let remaining =
      FeederInputs(discreteInputs: snapshot.discreteInputs, inputRegisters: snapshot.inputRegisters)?.partsRemaining ?? 0
    return .with { $0.partsRemaining = UInt32(remaining) }
  }

  func clamp(request: Workcell_Plc_V1_ClampRequest, context: ServerContext) async throws -> Workcell_Plc_V1_ClampResponse {
    let (seated, clampTime) = try await side(request.side).clamp(seatWait: .milliseconds(Int64(request.seatWaitMs)))
    return .with {
      $0.nutSeated = seated
      $0.clamped = seated
      $0.clampMs = UInt32(clamping: clampTime?.elapsedMilliseconds ?? 0)
    }
  }

  func fasten(request: Workcell_Plc_V1_FastenRequest, context: ServerContext) async throws -> Workcell_Plc_V1_FastenResponse {
    guard let program = UInt16(exactly: request.program), FixtureIOMap.programs.contains(program) else {
      throw RPCError(code: .invalidArgument, message: "Tightening program \(request.program) does not exist; use 1–16.")
    }
    let (result, duration) = try await side(request.side).fasten(program: program)
    return .with {
      $0.ok = result.ok
      $0.torqueNm = result.torqueNm
      $0.angleDeg = result.angleDeg
      $0.faultCode = Workcell_Plc_V1_PlcFaultCode(rawValue: Int(result.faultCode.rawValue)) ?? .UNRECOGNIZED(Int(result.faultCode.rawValue))
      $0.cycleCount = UInt32(result.cycleCount)
      $0.fastenMs = UInt32(clamping: duration?.elapsedMilliseconds ?? 0)
    }
  }

  func releaseFixture(
    request: Workcell_Plc_V1_ReleaseFixtureRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ReleaseFixtureResponse {
    let duration = try await side(request.side).releaseFixture()
    return .with { $0.releaseMs = UInt32(clamping: duration?.elapsedMilliseconds ?? 0) }
  }

  func resetFault(
    request: Workcell_Plc_V1_ResetFaultRequest, context: ServerContext
  ) async throws -> Workcell_Plc_V1_ResetFaultResponse {
    let side = try side(request.side)
    var devices: [PlcDevice] = []
    for device in request.devices.isEmpty ? [.feeder, .fixture] : request.devices {
      switch device {
      case .feeder: devices.append(.feeder)
      case .fixture: devices.append(.fixture)
      default: throw RPCError(code: .invalidArgument, message: "ResetFault: unknown device \(device); use DEVICE_FEEDER or DEVICE_FIXTURE.")
      }
    }
    for device in devices { try await side.resetFault(device) }
    return .with { $0.safety = SafetyReport.side(side) }
  }

  func watchSafety(
    request: Workcell_Plc_V1_WatchSafetyRequest, response: RPCWriter<Workcell_Plc_V1_WatchSafetyResponse>,
    context: ServerContext
  ) async throws {
    let watched = try request.sides.isEmpty ? Array(sides.values) : request.sides.map(side)
    // Ends with the caller, or when the bridge drains.
    await cancelWhenGracefulShutdown {
      var last: [Workcell_Plc_V1_SideSafety]?
      var lastSent = clock.elapsed
      await clock.activity("plc-bridge.watch-safety") {
      while !Task.isCancelled {
        let now = watched.sorted { $0.side.rawValue < $1.side.rawValue }.map(SafetyReport.side)
        // Ages change every poll: compare without them; still send a keep-alive each second.
        let changed = last.map { SafetyReport.withoutAges($0) != SafetyReport.withoutAges(now) } ?? true
        if changed || clock.elapsed - lastSent > .seconds(1) {
          do {
            try await response.write(
              .with {
                $0.event = .with {
                  $0.observedAt = Google_Protobuf_Timestamp(date: clock.now())
                  $0.sides = now
                }
              })
          } catch { return }
          last = now
          lastSent = clock.elapsed
        }
        do {
          try await clock.sleep(
            untilNextMultipleOf: Double(safetyPeriod.components.seconds) + Double(safetyPeriod.components.attoseconds) * 1e-18)
        } catch { return }
      }
      }
    }
  }

  func getIO(request: Workcell_Plc_V1_GetIORequest, context: ServerContext) async throws -> Workcell_Plc_V1_GetIOResponse {
    let side = try side(request.side)
    var devices: [Workcell_Plc_V1_DeviceIO] = []
    for link in [side.feeder, side.fixture] {
      devices.append(await SafetyReport.io(of: link))
    }
    return .with {
      $0.side = request.side
      $0.devices = devices
      $0.readAt = Google_Protobuf_Timestamp(date: clock.now())
    }
  }
}
