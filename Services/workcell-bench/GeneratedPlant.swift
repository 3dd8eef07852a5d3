import ArgumentParser
import CellWorld
import CycleSequencing
import Foundation
import SwiftProtobuf
import WorkcellProto

/// Deterministic cycle records of a generated plant.
enum GeneratedPlant {
  static let failureCodes: [Workcell_Common_V1_FailureCode] = [
    .splineMisaligned, .gripSlip, .magneticPullOff, .nutNotSeated, .crossThread, .torqueLow, .visionLost,
  ]

  /// Cycle `index` of a plant of `cells` cells, every cell finishing one cycle each `spacingS`
  /// seconds from `start`, spread over its two robots.
  static func cycle(
    _ index: Int, cells: Int, start: Date, spacingS: Double, ids: CycleIDStyle = .timeOrdered
  ) -> Workcell_Common_V1_CycleRecord {
    var random = WorldRandom(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    let cell = index % cells
    let slot = index / cells
    let ended = start.addingTimeInterval(Double(slot) * spacingS + Double(cell) * 0.37)
    let cycleMs = UInt32(66_000 + random.next() % 14_000)
    let roll = random.next() % 1000
    return .with {
      switch ids {
      case .timeOrdered:
        let startedMs = UInt64((ended.timeIntervalSince1970 * 1000).rounded()) - UInt64(cycleMs)
        $0.cycleID = CycleID.make(unixMilliseconds: startedMs, random: (random.next(), UInt64(index)))
      case .random: $0.cycleID = UUIDv4.make(from: &random, index: index)
      }
      $0.plant = "plant-bench"
      $0.line = "line-\(cell / 10 + 1)"
      $0.cell = "cell-\(String(format: "%03d", cell + 1))"
      $0.robot = "robot-\(slot % 2 == 0 ? "left" : "right")"
      $0.station = "nut_install"
      $0.startedAt = Google_Protobuf_Timestamp(date: ended.addingTimeInterval(-Double(cycleMs) / 1000))
      $0.endedAt = Google_Protobuf_Timestamp(date: ended)
      $0.cycleMs = cycleMs
      $0.idealCycleMs = 76_000
      $0.modelVersion = "act-bench"
      $0.attempts = roll < 900 ? 1 : 2
      if roll < 955 {
        $0.outcome = .ok
        $0.torqueNm = 12 + Double(random.next() % 100) / 100
        $0.angleDeg = 90
      } else if roll < 995 {
        $0.outcome = .nok
        $0.failureCode = failureCodes[Int(random.next() % UInt64(failureCodes.count))]
      } else {
        $0.outcome = .aborted
        $0.failureCode = .estop
      }
    }
  }
}

/// Which ids the generated cells mint.
enum CycleIDStyle: String, ExpressibleByArgument, CaseIterable, Sendable {
  /// UUID v7, as Workcell's cell mints them (CycleSequencing.CycleID).
  case timeOrdered = "v7"
  /// UUID v4, as a foreign MES client might.
  case random = "v4"
}

enum UUIDv4 {
  /// A version-4 UUID string, unique per index (the index fills the last 48 bits).
  static func make(from random: inout WorldRandom, index: Int) -> String {
    let high = random.next()
    let a = UInt32(truncatingIfNeeded: high >> 32)
    let b = UInt16(truncatingIfNeeded: high >> 16)
    let c = UInt16(truncatingIfNeeded: high) & 0x0FFF | 0x4000
    let d = UInt16(truncatingIfNeeded: random.next()) & 0x3FFF | 0x8000
    return String(format: "%08x-%04x-%04x-%04x-%012llx", a, b, c, d, UInt64(index) & 0xFFFF_FFFF_FFFF)
  }
}
