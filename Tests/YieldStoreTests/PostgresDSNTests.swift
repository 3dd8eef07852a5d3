import PostgresNIO
import Testing
import YieldStore

/// `PostgresYieldStore.configuration(dsn:)`: what a plant writes in `--postgres-dsn`.
@Suite("PostgreSQL DSN")
struct PostgresDSNTests {
  @Test("a host and port connect over TCP, with the sslmode asked for")
  func tcp() throws {
    let configuration = try PostgresYieldStore.configuration(
      dsn: "postgres://yield:secret@db.plant:5433/workcell?sslmode=disable")
    #expect(configuration.host == "db.plant" && configuration.port == 5433)
    #expect(configuration.unixSocketPath == nil)
    #expect(configuration.username == "yield" && configuration.password == "secret")
    #expect(configuration.database == "workcell")
  }

  @Test("a host parameter naming a directory connects through the server's Unix socket there")
  func unixSocket() throws {
    let configuration = try PostgresYieldStore.configuration(
      dsn: "postgres://yield:secret@/workcell?host=/run/postgresql")
    #expect(configuration.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
    #expect(configuration.host == nil)
    #expect(configuration.database == "workcell" && configuration.username == "yield")
    let withPort = try PostgresYieldStore.configuration(dsn: "postgresql://yield@:6543/workcell?host=/tmp/pg/")
    #expect(withPort.unixSocketPath == "/tmp/pg/.s.PGSQL.6543")
  }

  @Test("a DSN without a host, user or known sslmode is refused with the expected form", arguments: [
    "postgres://yield@/workcell", "postgres://db:5432/workcell", "mysql://yield@db/workcell",
    "postgres://yield@db/workcell?sslmode=sometimes", "postgres://yield@/workcell?host=relative/dir",
  ])
  func refused(dsn: String) {
    #expect {
      _ = try PostgresYieldStore.configuration(dsn: dsn)
    } throws: { error in
      let error = error as? YieldStoreError
      return error?.code == .invalidConfiguration && error?.message.contains("host=/socket/directory") == true
    }
  }
}
