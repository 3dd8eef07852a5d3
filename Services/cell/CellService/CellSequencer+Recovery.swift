import DurableOutbox
import Foundation
import SwiftProtobuf
import WorkcellProto

extension CellSequencer {
  /// Cycles a crash or power loss interrupted (journalled in flight, never finished) become
  /// records, ended at this start, so yield counts every cycle the cell began — a nut taken from
  /// the feeder never vanishes from the records. The journalled record already says aborted,
  /// `cell_restart` (`RobotCycleRunner.interruptedRecord`); only its end is filled in here.
  func recoverInterrupted() async {
    let interrupted: [OutboxEntry]
    do { interrupted = try await outbox.inFlight() } catch {
      logger.error("cannot read the journal of cycles in flight", metadata: ["error": "\(error)"])
      return
    }
    let now = clock.now()
    for entry in interrupted {
      guard var record = try? Workcell_Common_V1_CycleRecord(serializedBytes: entry.payload) else {
        logger.error("unreadable cycle in the journal; left there", metadata: ["cycle_id": "\(entry.id)"])
        continue
      }
      let started = record.startedAt.date
      let ended = max(now, started)
      record.endedAt = Google_Protobuf_Timestamp(date: ended)
      record.cycleMs = UInt32(clamping: Int((ended.timeIntervalSince(started) * 1000).rounded()))
      do {
        try await outbox.append(OutboxEntry(id: record.cycleID, payload: try record.serializedBytes()))
        logger.warning(
          "cycle interrupted by a restart stored as aborted (cell_restart)",
          metadata: ["cycle_id": "\(record.cycleID)", "robot": "\(record.robot)"])
      } catch {
        logger.error("interrupted cycle not stored", metadata: ["cycle_id": "\(record.cycleID)", "error": "\(error)"])
      }
    }
  }
}
