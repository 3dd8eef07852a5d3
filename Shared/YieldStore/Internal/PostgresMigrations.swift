/// The PostgreSQL schema, version by version.
///
/// `cycles` is range-partitioned by month on `ended_at` (partitions made ahead by
/// `PostgresYieldStore.ensurePartitions`, plus a DEFAULT partition so no insert can fail). A unique
/// key of a partitioned table must include the partition key, so idempotency on `cycle_id` lives
/// in the small table `cycle_ids`: a batch claims its ids there first and inserts only the cycles
/// whose ids it won. Times are `timestamptz(3)`: millisecond precision, as in SQLite.
enum PostgresMigrations {
  static let all: [Migration] = [
    Migration(
      version: 1, name: "cycles (partitioned), cycle ids, state events, cell stations",
      statements: [
        "CREATE TABLE cycle_ids (cycle_id uuid PRIMARY KEY)",
        """
        CREATE TABLE cycles (
          cycle_id uuid NOT NULL,
          plant text NOT NULL, line text NOT NULL, cell text NOT NULL, robot text NOT NULL,
          station text NOT NULL, part_serial text,
          started_at timestamptz(3) NOT NULL, ended_at timestamptz(3) NOT NULL,
          cycle_ms bigint NOT NULL CHECK (cycle_ms >= 0),
          outcome text NOT NULL CHECK (outcome IN ('ok', 'nok', 'aborted')),
          attempts integer NOT NULL CHECK (attempts >= 1),
          failure_code text,
          torque_nm double precision, angle_deg double precision,
          model_version text NOT NULL,
          ideal_cycle_ms bigint NOT NULL CHECK (ideal_cycle_ms >= 0)
        ) PARTITION BY RANGE (ended_at)
        """,
        "CREATE TABLE cycles_default PARTITION OF cycles DEFAULT",
        // BRIN: tiny, and enough for time-range scans over months (yield, OEE, Pareto).
        "CREATE INDEX cycles_ended_brin ON cycles USING brin (ended_at)",
        // Keyset paging newest first, over all cells and per cell.
        "CREATE INDEX cycles_ended ON cycles (ended_at DESC, cycle_id DESC)",
        "CREATE INDEX cycles_cell_ended ON cycles (cell, ended_at DESC, cycle_id DESC)",
        """
        CREATE TABLE state_events (
          event_id uuid PRIMARY KEY,
          cell text NOT NULL, robot text,
          state text NOT NULL CHECK (state IN ('producing', 'idle', 'starved', 'blocked', 'fault',
            'estop', 'planned_stop', 'changeover')),
          reason text NOT NULL,
          started_at timestamptz(3) NOT NULL,
          ended_at timestamptz(3) NOT NULL CHECK (ended_at >= started_at)
        )
        """,
        "CREATE INDEX state_events_cell_started ON state_events (cell, started_at)",
        """
        CREATE TABLE cell_stations (
          plant text NOT NULL, line text NOT NULL, cell text NOT NULL, robot text NOT NULL,
          station text NOT NULL, last_cycle_at timestamptz(3) NOT NULL,
          PRIMARY KEY (plant, line, cell, robot, station)
        )
        """,
      ]),
    Migration(
      version: 2, name: "cycles_ended ascending",
      statements: [
        // Cycles arrive in ended_at order: a descending index takes each one at its far left and
        // splits pages 50/50, leaving them half empty (twice the pages, twice the splits); an
        // ascending one appends on the right and fills its pages. A backward scan still pages
        // newest first. Rebuilding it holds off writes to `cycles` while this migration runs.
        "DROP INDEX cycles_ended",
        "CREATE INDEX cycles_ended_at_id ON cycles (ended_at, cycle_id)",
      ]),
    Migration(
      version: 3, name: "per-cell index on (hashtext(cell), ended_at)",
      statements: [
        // The per-cell index takes each new cycle in the middle of the tree (a hundred cells, a
        // hundred insertion points): with the cell's text and the uuid in every key it was the
        // costliest part of ingest in PostgreSQL (6 345 pages per 500 000 cycles). Keyed by the
        // cell's 4-byte hash and the time it is 2 678 pages, and the ingest benchmark gained ~10 %.
        // Queries by cell name both `cell = $n` and `hashtext(cell) = hashtext($n)`
        // (PostgresYieldStore.conditions): the index finds the hash, the filter drops a colliding
        // cell. Newest-first paging reads the index backwards (ties on ended_at sorted by id
        // after). hashtext has been the same function since PostgreSQL 8.4 (hash indexes and hash
        // partitions depend on it across pg_upgrade); should a major version ever change it,
        // REINDEX this index. Built before the old one goes, so per-cell reads always have one.
        "CREATE INDEX cycles_cell_key_ended ON cycles (hashtext(cell), ended_at)",
        "DROP INDEX cycles_cell_ended",
      ]),
    Migration(
      version: 4, name: "cycle_hours: per-cell hourly rollup of cycles",
      statements: [
        // The KPI facts of a cell's cycles counted per UTC hour (CycleHour), kept by the
        // transaction that stores the cycles. OEE and the Pareto over a month read a cell's ~720
        // hours × a few rows here instead of ~34 000 cycles spread over as many heap pages, and
        // read cycles only in the hours their window or a time bucket cuts (docs/yield.md).
        // Percentiles cannot be added up, so each row keeps its cycles' times (8 bytes a cycle):
        // /yield's p50/p95 over a plant's shift read ~3 000 rows instead of ~38 000 cycles.
        """
        CREATE TABLE cycle_hours (
          cell text NOT NULL, hour timestamptz(3) NOT NULL,
          line text NOT NULL, robot text NOT NULL, station text NOT NULL, model_version text NOT NULL,
          ideal_cycle_ms bigint NOT NULL, outcome text NOT NULL, failure_code text NOT NULL,
          cycles bigint NOT NULL CHECK (cycles > 0), first_pass bigint NOT NULL, within_takt bigint NOT NULL,
          cycle_times bigint[] NOT NULL,
          PRIMARY KEY (cell, hour, line, robot, station, model_version, ideal_cycle_ms, outcome, failure_code)
        ) WITH (fillfactor = 80)
        """,
        "CREATE INDEX cycle_hours_hour ON cycle_hours (hour)",
        // The BRIN on ended_at misled the planner: ranges not yet summarized (VACUUM summarizes
        // them; until then, up to a fifth of a partition under default autovacuum settings)
        // match every query, and a shift's 38 000 cycles were read as a lossy scan of the
        // partition's unsummarized pages (16 404 pages, 0.6 s; the b-tree: 774 pages). The
        // ascending b-tree of migration 2 serves every time range.
        "DROP INDEX cycles_ended_brin",
        """
        INSERT INTO cycle_hours
        SELECT cell, date_trunc('hour', ended_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', line, robot, station,
          model_version, ideal_cycle_ms, outcome, COALESCE(failure_code, ''), count(*),
          count(*) FILTER (WHERE attempts = 1), count(*) FILTER (WHERE cycle_ms <= ideal_cycle_ms), array_agg(cycle_ms)
        FROM cycles GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2
        """,
      ]),
  ]
}
