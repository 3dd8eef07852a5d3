import Logging
import YieldStore

/// Stores validated batches: all or nothing, acknowledged after commit, idempotent by id.
struct YieldIngest: Sendable {
  let store: any YieldStore
  let metrics: YieldMetrics
  /// Bounds the batches writing to the database at once (`--ingest-writers`).
  var admission = IngestAdmission(writers: YieldOptions.defaultIngestWriters)
  /// Told after every commit that stored new cycles, so the page's open streams redraw.
  var feed: PageFeed? = nil

  /// Validates and stores one batch of cycles (`kind` labels the batch-size metric: rest, grpc, stream).
  func cycles(_ drafts: [CycleDraft], kind: String, logger: Logger) async throws(YieldAPIError) -> IngestCounts {
    metrics.recordBatch(size: drafts.count, kind: "cycles_\(kind)")
    let rows: [CycleRow]
    switch RecordValidation.cycles(drafts) {
    case .success(let valid): rows = valid
    case .failure(let rejection): throw .rejected(rejection)
    }
    guard !rows.isEmpty else { return IngestCounts(accepted: 0, duplicates: 0) }
    let result = try await admission.write { () async throws(YieldAPIError) in
      do throws(YieldStoreError) {
        return try await store.insertCyclesReportingNew(rows, logger: logger)
      } catch {
        throw YieldAPIError(error)
      }
    }
    metrics.recordIngested(result.stored)
    feed?.cyclesStored(endedAt: result.stored.map(\.endedAt))
    metrics.recordDuplicates(result.counts.duplicates, kind: "cycles")
    return result.counts
  }

  func stateEvents(_ drafts: [StateEventDraft], logger: Logger) async throws(YieldAPIError) -> IngestCounts {
    metrics.recordBatch(size: drafts.count, kind: "state_events")
    let rows: [StateEventRow]
    switch RecordValidation.stateEvents(drafts) {
    case .success(let valid): rows = valid
    case .failure(let rejection): throw .rejected(rejection)
    }
    guard !rows.isEmpty else { return IngestCounts(accepted: 0, duplicates: 0) }
    let counts = try await admission.write { () async throws(YieldAPIError) in
      do throws(YieldStoreError) {
        return try await store.insertStateEvents(rows, logger: logger)
      } catch {
        throw YieldAPIError(error)
      }
    }
    metrics.recordStateEvents(accepted: counts.accepted)
    metrics.recordDuplicates(counts.duplicates, kind: "state_events")
    return counts
  }
}
