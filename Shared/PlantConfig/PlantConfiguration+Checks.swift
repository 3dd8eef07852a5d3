import Foundation
import YieldKPI

extension PlantConfiguration {
  /// The fleet services that run once per cell; `ports` keys must be among them.
  public static let cellServices = ["perception", "policy", "control", "plc-bridge", "cell", "cell-sim"]

  /// Lowest and highest Modbus unit id a PLC device may have (docs/plc-io-map.md; 0 is broadcast).
  public static let plcUnitIDs = 1...247

  /// What a plant engineer gets wrong beyond YAML structure: duplicate ids, port clashes, unknown
  /// PLC unit ids, overlapping shifts, cells without a yield endpoint, takt that does not fit.
  public func consistencyIssues() -> [PlantConfigIssue] {
    var issues: [PlantConfigIssue] = []
    func add(_ code: PlantConfigIssue.Code, _ line: Int, _ message: String, _ severity: PlantConfigIssue.Severity = .error) {
      issues.append(PlantConfigIssue(severity, code, line: line, message))
    }

    var lineIDs: [String: Int] = [:]
    for line in lines {
      if let first = lineIDs[line.id] {
        add(.duplicateID, line.sourceLine, "line id '\(line.id)' is used twice (first on line \(first))")
      } else {
        lineIDs[line.id] = line.sourceLine
      }
    }

    // Every port on the plant server, with what uses it, so a second use names the first.
    var portUsers: [Int: (what: String, line: Int)] = [:]
    func claim(_ port: Int, by what: String, line: Int) {
      if let first = portUsers[port] {
        add(.portClash, line, "port \(port) of \(what) is already used by \(first.what) (line \(first.line))")
      } else {
        portUsers[port] = (what, line)
      }
    }
    if let yield {
      if let port = PlantFileReader.hostAndPort(yield.grpcAddress)?.port {
        claim(port, by: "the yield gRPC endpoint", line: yield.sourceLine)
      }
      if let port = yield.url.flatMap(Self.explicitPort(ofURL:)), port != PlantFileReader.hostAndPort(yield.grpcAddress)?.port {
        claim(port, by: "the yield REST endpoint", line: yield.sourceLine)
      }
    }

    var cellIDs: [String: Int] = [:]
    var robotIDs: [String: Int] = [:]
    var plcDevices: [String: (what: String, line: Int)] = [:]
    for cell in cells {
      if let first = cellIDs[cell.id] {
        add(.duplicateCellID, cell.sourceLine, "cell id '\(cell.id)' is used twice (first on line \(first)); give every cell its own id")
      } else {
        cellIDs[cell.id] = cell.sourceLine
      }
      if !Self.isDNSLabel(cell.id) {
        add(
          .invalidValue, cell.sourceLine,
          "cell id '\(cell.id)' must be lower-case letters, digits and '-', starting with a letter or digit "
            + "(it names containers and Kubernetes objects)")
      }
      if !cell.lineID.isEmpty && lineIDs[cell.lineID] == nil {
        add(
          .unknownLine, cell.sourceLine,
          "cell '\(cell.id)' is on line '\(cell.lineID)', which 'lines' does not define"
            + (lines.isEmpty ? "" : " (known: \(lines.map(\.id).joined(separator: ", ")))"))
      }
      if cell.station < 1 {
        add(.invalidValue, cell.sourceLine, "cell '\(cell.id)': station must be 1 or more, got \(cell.station)")
      }
      if cell.taktMs <= 0 || cell.idealCycleMs <= 0 {
        add(.invalidTakt, cell.sourceLine, "cell '\(cell.id)': takt_ms and ideal_cycle_ms must be positive")
      } else if cell.idealCycleMs > cell.taktMs {
        add(
          .invalidTakt, cell.sourceLine,
          "cell '\(cell.id)': ideal_cycle_ms \(cell.idealCycleMs) is longer than takt_ms \(cell.taktMs); "
            + "the cell could never meet takt")
      }
      if yieldEndpoint(for: cell) == nil {
        add(
          .missingYieldEndpoint, cell.sourceLine,
          "cell '\(cell.id)' has no yield endpoint: set 'yield' on the cell or for the whole plant")
      }
      if cell.robots.isEmpty {
        add(.invalidValue, cell.sourceLine, "cell '\(cell.id)' has no robots; give it one per side (left, right)")
      }
      var sides: [Side: Int] = [:]
      for robot in cell.robots {
        if let first = robotIDs[robot.id] {
          add(.duplicateID, robot.sourceLine, "robot id '\(robot.id)' is used twice (first on line \(first))")
        } else {
          robotIDs[robot.id] = robot.sourceLine
        }
        if let first = sides[robot.side] {
          add(
            .duplicateSide, robot.sourceLine,
            "cell '\(cell.id)': two robots work the \(robot.side.rawValue) side (first on line \(first))")
        } else {
          sides[robot.side] = robot.sourceLine
        }
        for (kind, device) in [("feeder", robot.feeder), ("fixture", robot.fixture)] {
          let what = "the \(robot.side.rawValue) \(kind) of cell '\(cell.id)'"
          if !Self.plcUnitIDs.contains(device.unitID) {
            add(
              .unknownPlcUnitID, device.sourceLine,
              "\(what) has Modbus unit id \(device.unitID); unit ids are 1–247 "
                + "(docs/plc-io-map.md: feeder 1, fixture 2 by default)")
          }
          let key = "\(device.host.lowercased()):\(device.port)/\(device.unitID)"
          if let first = plcDevices[key] {
            add(
              .portClash, device.sourceLine,
              "\(what) at \(device) is the same PLC address and unit id as \(first.what) (line \(first.line))")
          } else {
            plcDevices[key] = (what, device.sourceLine)
          }
        }
      }
      var services: Set<String> = []
      for ports in cell.ports {
        guard Self.cellServices.contains(ports.service) else {
          add(
            .unknownKey, ports.sourceLine,
            "cell '\(cell.id)': '\(ports.service)' is not a per-cell service; use one of "
              + Self.cellServices.joined(separator: ", "))
          continue
        }
        if !services.insert(ports.service).inserted {
          add(.duplicateID, ports.sourceLine, "cell '\(cell.id)': ports of \(ports.service) are given twice")
        }
        claim(ports.grpcPort, by: "\(ports.service) gRPC of cell '\(cell.id)'", line: ports.sourceLine)
        claim(ports.httpPort, by: "\(ports.service) HTTP of cell '\(cell.id)'", line: ports.sourceLine)
      }
    }
    if cells.isEmpty {
      add(.missingKey, 0, "the plant has no cells; add at least one under 'cells'")
    }
    if let section = shiftCalendarSection {
      issues += section.issues()
    }
    issues += securityIssues()
    return issues
  }

  /// The `security` section: certificates named (every gRPC hop mutual TLS), or plaintext said
  /// out loud for development — never left unsaid, never both.
  public func securityIssues() -> [PlantConfigIssue] {
    guard let security else {
      return [
        PlantConfigIssue(
          .warning, .security, line: 0,
          "no 'security' section: the fleet's gRPC hops need the plant's certificates; add security: { pki: DIR } "
            + "(the directory `workcell certs init --plant DIR` wrote; docs/security.md), "
            + "or security: { insecure: true } for a development plant in plaintext")
      ]
    }
    switch (security.pkiDirectory, security.insecure) {
    case (.some, true):
      return [
        PlantConfigIssue(
          .error, .security, line: security.sourceLine,
          "security gives both 'pki' and 'insecure: true'; a plant is either mutual TLS or plaintext, choose one")
      ]
    case (nil, false):
      return [
        PlantConfigIssue(
          .error, .security, line: security.sourceLine,
          "security names no certificates: give 'pki: DIR' (`workcell certs init --plant DIR`), or 'insecure: true'")
      ]
    case (nil, true):
      return [
        PlantConfigIssue(
          .warning, .security, line: security.sourceLine,
          "security: insecure: every gRPC hop is plaintext and unauthenticated (development only)")
      ]
    case (.some, false):
      return []
    }
  }

  /// Whether `text` can name a container and a Kubernetes object (an RFC 1123 label, ≤ 40 chars
  /// so `<cell>-plc-bridge` still fits).
  static func isDNSLabel(_ text: String) -> Bool {
    guard let first = text.first, let last = text.last, text.count <= 40 else { return false }
    let allowed = text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    return allowed && first != "-" && last != "-"
  }

  /// The port of an `http://host:port/...` URL when it names one.
  static func explicitPort(ofURL url: String) -> Int? {
    guard let components = URLComponents(string: url) else { return nil }
    return components.port
  }
}

extension PlantConfiguration.ShiftCalendarSection {
  /// Problems with the calendar, each on the line of the shift (or zone) concerned. The rules
  /// are `ShiftCalendar`'s own, applied shift by shift and pair by pair to find the line.
  func issues() -> [PlantConfigIssue] {
    var issues: [PlantConfigIssue] = []
    if TimeZone(identifier: timeZone) == nil {
      issues.append(
        PlantConfigIssue(
          .error, .invalidValue, line: timeZoneLine,
          "time_zone '\(timeZone)' is not a known IANA zone; use a name like 'Europe/Berlin'"))
    }
    var parsed: [(PlantConfiguration.Shift, ShiftDefinition)] = []
    var names: [String: Int] = [:]
    for shift in shifts {
      if let first = names[shift.name] {
        issues.append(
          PlantConfigIssue(
            .error, .duplicateID, line: shift.sourceLine, "shift name '\(shift.name)' is used twice (first on line \(first))"))
        continue
      }
      names[shift.name] = shift.sourceLine
      switch shift.definition() {
      case .failure(let issue):
        issues.append(issue)
      case .success(let definition):
        do {
          _ = try ShiftCalendar(timeZone: .gmt, shifts: [definition])
          parsed.append((shift, definition))
        } catch {
          issues.append(PlantConfigIssue(.error, .invalidShift, line: shift.sourceLine, error.message))
        }
      }
    }
    for (index, (firstShift, first)) in parsed.enumerated() {
      for (secondShift, second) in parsed[(index + 1)...] {
        do {
          _ = try ShiftCalendar(timeZone: .gmt, shifts: [first, second])
        } catch {
          issues.append(
            PlantConfigIssue(
              .error, .overlappingShifts, line: secondShift.sourceLine,
              "shift '\(secondShift.name)' (\(secondShift.start)–\(secondShift.end)) overlaps shift "
                + "'\(firstShift.name)' (\(firstShift.start)–\(firstShift.end), line \(firstShift.sourceLine)); "
                + "a moment may belong to one shift only"))
        }
      }
    }
    return issues
  }
}

extension PlantConfiguration.Shift {
  /// The shift in the KPI library's terms, or the issue with its times.
  func definition() -> Result<ShiftDefinition, PlantConfigIssue> {
    func time(_ text: String, _ what: String, line: Int) -> Result<TimeOfDay, PlantConfigIssue> {
      guard let time = TimeOfDay(text) else {
        return .failure(
          PlantConfigIssue(
            .error, .invalidValue, line: line,
            "shift '\(name)': \(what) '\(text)' is not a time of day; write \"HH:MM\" in quotes, e.g. \"06:00\""))
      }
      return .success(time)
    }
    do {
      let start = try time(start, "start", line: sourceLine).get()
      let end = try time(end, "end", line: sourceLine).get()
      let breaks = try breaks.map { plannedBreak in
        PlannedBreak(
          start: try time(plannedBreak.start, "break start", line: plannedBreak.sourceLine).get(),
          end: try time(plannedBreak.end, "break end", line: plannedBreak.sourceLine).get())
      }
      return .success(ShiftDefinition(name: name, start: start, end: end, breaks: breaks))
    } catch let issue as PlantConfigIssue {
      return .failure(issue)
    } catch {
      return .failure(PlantConfigIssue(.error, .invalidValue, line: sourceLine, "\(error)"))
    }
  }
}

extension PlantConfigIssue: Error {}
