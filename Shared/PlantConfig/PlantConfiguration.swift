/// One plant's configuration, as read from its plant file (YAML): the plant, its lines and cells,
/// each cell's robots and PLC endpoints, the shift calendar and where the yield service is.
///
/// Every element remembers the line of the plant file it came from (`sourceLine`, 0 when built in
/// code), so a check can point a plant engineer at the line to fix. Services read the part they
/// need; flags and `WORKCELL_*` variables override it.
public struct PlantConfiguration: Hashable, Sendable {
  /// The plant as a whole.
  public var plant: Plant
  /// Production lines the cells belong to.
  public var lines: [Line]
  /// The cells (workstations), in file order.
  public var cells: [Cell]
  /// The shift calendar as written; `shiftCalendar()` turns it into the KPI library's calendar.
  public var shiftCalendarSection: ShiftCalendarSection?
  /// The plant-wide yield endpoint every cell reports to unless it names its own.
  public var yield: YieldEndpoint?
  /// How the fleet's gRPC hops are secured (nil when the file has no `security` section).
  public var security: Security?

  /// The path the configuration was read from, for messages; nil when built in code.
  public var sourceFile: String?

  /// Creates a configuration.
  public init(
    plant: Plant, lines: [Line] = [], cells: [Cell] = [], shiftCalendarSection: ShiftCalendarSection? = nil,
    yield: YieldEndpoint? = nil, security: Security? = nil, sourceFile: String? = nil
  ) {
    self.plant = plant
    self.lines = lines
    self.cells = cells
    self.shiftCalendarSection = shiftCalendarSection
    self.yield = yield
    self.security = security
    self.sourceFile = sourceFile
  }

  /// The cell with `id`, if the plant has one.
  public func cell(_ id: String) -> Cell? { cells.first { $0.id == id } }

  /// The yield endpoint `cell` reports to: its own, else the plant's.
  public func yieldEndpoint(for cell: Cell) -> YieldEndpoint? { cell.yield ?? yield }
}

extension PlantConfiguration {
  /// The plant file's `security` section: where the plant's certificates are (the directory
  /// `workcell certs init --plant DIR` wrote, as the plant server sees it; every gRPC hop is
  /// mutual TLS, docs/security.md), or `insecure: true` for a development plant in plaintext.
  public struct Security: Hashable, Sendable {
    /// The certificates' directory (`ca.pem`, `<identity>.pem`, `<identity>.key`).
    public var pkiDirectory: String?
    /// Plaintext on purpose (development only).
    public var insecure: Bool
    public var sourceLine: Int

    public init(pkiDirectory: String? = nil, insecure: Bool = false, sourceLine: Int = 0) {
      self.pkiDirectory = pkiDirectory
      self.insecure = insecure
      self.sourceLine = sourceLine
    }
  }
}

extension PlantConfiguration {
  /// The plant: an id (used in labels and file names) and a name for people.
  public struct Plant: Hashable, Sendable {
    public var id: String
    public var name: String
    public var sourceLine: Int

    public init(id: String, name: String, sourceLine: Int = 0) {
      self.id = id
      self.name = name
      self.sourceLine = sourceLine
    }
  }

  /// A production line.
  public struct Line: Hashable, Sendable {
    public var id: String
    public var name: String
    public var sourceLine: Int

    public init(id: String, name: String, sourceLine: Int = 0) {
      self.id = id
      self.name = name
      self.sourceLine = sourceLine
    }
  }

  /// One cell: where it stands, its takt, its robots (one per side) and the ports its services
  /// listen on.
  public struct Cell: Hashable, Sendable {
    /// Unique in the plant, e.g. `cell-01`; names the cell's containers and metric labels.
    public var id: String
    /// The id of the line it belongs to.
    public var lineID: String
    /// Station number on the line.
    public var station: Int
    /// The line's takt for this cell, ms (76 000 on the reference line).
    public var taktMs: Int
    /// The ideal cycle time OEE performance is measured against, ms; at most `taktMs`.
    public var idealCycleMs: Int
    /// The robots, at most one per side.
    public var robots: [Robot]
    /// The cell's own yield endpoint, overriding the plant's.
    public var yield: YieldEndpoint?
    /// Ports the cell's services listen on (and are published at on the plant server), by
    /// service name; a service not listed uses the fleet port plan inside its container.
    public var ports: [ServicePorts]
    public var sourceLine: Int

    public init(
      id: String, lineID: String, station: Int, taktMs: Int, idealCycleMs: Int, robots: [Robot],
      yield: YieldEndpoint? = nil, ports: [ServicePorts] = [], sourceLine: Int = 0
    ) {
      self.id = id
      self.lineID = lineID
      self.station = station
      self.taktMs = taktMs
      self.idealCycleMs = idealCycleMs
      self.robots = robots
      self.yield = yield
      self.ports = ports
      self.sourceLine = sourceLine
    }

    /// The ports of `service` (e.g. `plc-bridge`), if the file sets them.
    public func ports(of service: String) -> ServicePorts? { ports.first { $0.service == service } }
  }

  /// One robot and the two PLC devices of its side.
  public struct Robot: Hashable, Sendable {
    public var id: String
    /// The side it works: `left` or `right`.
    public var side: Side
    /// The nut feeder PLC of the side.
    public var feeder: PlcDevice
    /// The tightening fixture PLC of the side.
    public var fixture: PlcDevice
    public var sourceLine: Int

    public init(id: String, side: Side, feeder: PlcDevice, fixture: PlcDevice, sourceLine: Int = 0) {
      self.id = id
      self.side = side
      self.feeder = feeder
      self.fixture = fixture
      self.sourceLine = sourceLine
    }
  }

  /// The side of the cell a robot works.
  public enum Side: String, Hashable, Sendable, CaseIterable {
    case left, right
  }

  /// A Modbus TCP server: host, port and unit id (docs/plc-io-map.md; 1–247).
  public struct PlcDevice: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var unitID: Int
    public var sourceLine: Int

    public init(host: String, port: Int = 502, unitID: Int, sourceLine: Int = 0) {
      self.host = host
      self.port = port
      self.unitID = unitID
      self.sourceLine = sourceLine
    }

    /// `HOST:PORT/UNIT`, as plc-bridge's `--feeder`/`--fixture` take it after `SIDE=`.
    public var description: String { "\(host):\(port)/\(unitID)" }
  }

  /// The gRPC and HTTP ports one service of a cell listens on.
  public struct ServicePorts: Hashable, Sendable {
    /// Fleet service name, e.g. `plc-bridge`.
    public var service: String
    public var grpcPort: Int
    public var httpPort: Int
    public var sourceLine: Int

    public init(service: String, grpcPort: Int, httpPort: Int, sourceLine: Int = 0) {
      self.service = service
      self.grpcPort = grpcPort
      self.httpPort = httpPort
      self.sourceLine = sourceLine
    }
  }

  /// Where cells report cycles and the MES reads KPIs.
  public struct YieldEndpoint: Hashable, Sendable {
    /// gRPC address `HOST:PORT` (workcell.yield.v1).
    public var grpcAddress: String
    /// Base URL of the REST API, e.g. `http://yield:9166/api/v1`; nil when not set.
    public var url: String?
    public var sourceLine: Int

    public init(grpcAddress: String, url: String? = nil, sourceLine: Int = 0) {
      self.grpcAddress = grpcAddress
      self.url = url
      self.sourceLine = sourceLine
    }
  }

  /// The shift calendar as written: an IANA time zone and daily shifts.
  public struct ShiftCalendarSection: Hashable, Sendable {
    public var timeZone: String
    public var shifts: [Shift]
    public var sourceLine: Int
    /// The line of `time_zone`.
    public var timeZoneLine: Int

    public init(timeZone: String, shifts: [Shift], sourceLine: Int = 0, timeZoneLine: Int = 0) {
      self.timeZone = timeZone
      self.shifts = shifts
      self.sourceLine = sourceLine
      self.timeZoneLine = timeZoneLine
    }
  }

  /// One daily shift as written: name, wall-clock start and end (`HH:MM`), planned breaks.
  public struct Shift: Hashable, Sendable {
    public var name: String
    public var start: String
    public var end: String
    public var breaks: [Break]
    public var sourceLine: Int

    public init(name: String, start: String, end: String, breaks: [Break] = [], sourceLine: Int = 0) {
      self.name = name
      self.start = start
      self.end = end
      self.breaks = breaks
      self.sourceLine = sourceLine
    }
  }

  /// A planned break as written (`HH:MM` to `HH:MM`).
  public struct Break: Hashable, Sendable {
    public var start: String
    public var end: String
    public var sourceLine: Int

    public init(start: String, end: String, sourceLine: Int = 0) {
      self.start = start
      self.end = end
      self.sourceLine = sourceLine
    }
  }
}
