/// The SQLite schema, version by version. Times are INTEGER milliseconds since 1970 (UTC).
enum SQLiteMigrations {
  static let all: [Migration] = [
    Migration(
      version: 1, name: "cycles, state events, cell stations",
      statements: [
        """
        CREATE TABLE cycles (
          cycle_id TEXT PRIMARY KEY NOT NULL,
          plant TEXT NOT NULL, line TEXT NOT NULL, cell TEXT NOT NULL, robot TEXT NOT NULL,
          station TEXT NOT NULL, part_serial TEXT,
          started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,
          cycle_ms INTEGER NOT NULL CHECK (cycle_ms >= 0),
          outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'nok', 'aborted')),
          attempts INTEGER NOT NULL CHECK (attempts >= 1),
          failure_code TEXT,
          torque_nm REAL, angle_deg REAL,
          model_version TEXT NOT NULL,
          ideal_cycle_ms INTEGER NOT NULL CHECK (ideal_cycle_ms >= 0)
        )
        """,
        "CREATE INDEX cycles_ended ON cycles (ended_at DESC, cycle_id DESC)",
        "CREATE INDEX cycles_cell_ended ON cycles (cell, ended_at DESC, cycle_id DESC)",
        """
        CREATE TABLE state_events (
          event_id TEXT PRIMARY KEY NOT NULL,
          cell TEXT NOT NULL, robot TEXT,
          state TEXT NOT NULL CHECK (state IN ('producing', 'idle', 'starved', 'blocked', 'fault',
            'estop', 'planned_stop', 'changeover')),
          reason TEXT NOT NULL,
          started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL CHECK (ended_at >= started_at)
        )
        """,
        "CREATE INDEX state_events_cell_started ON state_events (cell, started_at)",
        """
        CREATE TABLE cell_stations (
          plant TEXT NOT NULL, line TEXT NOT NULL, cell TEXT NOT NULL, robot TEXT NOT NULL,
          station TEXT NOT NULL, last_cycle_at INTEGER NOT NULL,
          PRIMARY KEY (plant, line, cell, robot, station)
        )
        """,
      ])
  ]
}
