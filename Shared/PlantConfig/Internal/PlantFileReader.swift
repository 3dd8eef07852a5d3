import Yams

/// Turns the YAML tree of a plant file into a `PlantConfiguration`, collecting every structural
/// problem (missing keys, wrong types, unknown keys) with its line instead of stopping at the
/// first. Lives only for one read, on one task.
final class PlantFileReader {
  private(set) var issues: [PlantConfigIssue] = []

  /// Reads `yaml`; nil when the document is too broken to give a configuration at all.
  func read(_ yaml: String) -> PlantConfiguration? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      issues.append(Self.syntaxIssue(error, yaml: yaml))
      return nil
    } catch {
      issues.append(PlantConfigIssue(.error, .syntax, line: 0, "the file is not YAML: \(error)"))
      return nil
    }
    guard let root, let top = mapping(root, "the plant file") else {
      if root == nil { issues.append(PlantConfigIssue(.error, .syntax, line: 0, "the plant file is empty")) }
      return nil
    }
    check(top, allowed: ["plant", "lines", "cells", "shift_calendar", "yield", "security"], in: "the plant file")

    let plant: PlantConfiguration.Plant
    if let node = required(top, "plant", in: "the plant file"), let fields = mapping(node, "plant") {
      check(fields, allowed: ["id", "name"], in: "plant")
      plant = PlantConfiguration.Plant(
        id: string(required(fields, "id", in: "plant"), "plant.id") ?? "",
        name: string(optional(fields, "name"), "plant.name") ?? "", sourceLine: line(of: node))
    } else {
      plant = PlantConfiguration.Plant(id: "", name: "")
    }

    let lines = sequence(optional(top, "lines"), "lines").compactMap { node -> PlantConfiguration.Line? in
      guard let fields = mapping(node, "a line") else { return nil }
      check(fields, allowed: ["id", "name"], in: "a line")
      guard let id = string(required(fields, "id", in: "a line"), "line id") else { return nil }
      return PlantConfiguration.Line(
        id: id, name: string(optional(fields, "name"), "line name") ?? id, sourceLine: line(of: node))
    }

    let plantYield = optional(top, "yield").flatMap { yieldEndpoint($0, in: "yield") }
    let security = optional(top, "security").flatMap(securitySection)
    let calendar = optional(top, "shift_calendar").flatMap(shiftCalendar)
    let cellNodes = sequence(required(top, "cells", in: "the plant file"), "cells")
    let cells = cellNodes.compactMap(cell)
    return PlantConfiguration(
      plant: plant, lines: lines, cells: cells, shiftCalendarSection: calendar, yield: plantYield, security: security)
  }

  // MARK: sections

  private func cell(_ node: Node) -> PlantConfiguration.Cell? {
    guard let fields = mapping(node, "a cell") else { return nil }
    let allowed = ["id", "line", "station", "takt_ms", "ideal_cycle_ms", "robots", "yield", "ports"]
    check(fields, allowed: allowed, in: "a cell")
    guard let id = string(required(fields, "id", in: "a cell"), "cell id") else { return nil }
    let context = "cell '\(id)'"
    let robots = sequence(required(fields, "robots", in: context), "\(context) robots").compactMap {
      robot($0, cell: id)
    }
    let ports = optional(fields, "ports").flatMap { mapping($0, "\(context) ports") }?.compactMap {
      entry -> PlantConfiguration.ServicePorts? in
      guard let service = entry.key.string, let portFields = mapping(entry.value, "\(context) ports of \(service)")
      else { return nil }
      check(portFields, allowed: ["grpc", "http"], in: "\(context) ports of \(service)")
      guard let grpc = int(required(portFields, "grpc", in: "\(context) ports of \(service)"), "grpc port"),
        let http = int(required(portFields, "http", in: "\(context) ports of \(service)"), "http port")
      else { return nil }
      for (name, port) in [("grpc", grpc), ("http", http)] where !(1...65535).contains(port) {
        issues.append(
          PlantConfigIssue(
            .error, .invalidValue, line: line(of: entry.value),
            "\(context): the \(name) port of \(service) must be 1–65535, got \(port)"))
      }
      return PlantConfiguration.ServicePorts(
        service: service, grpcPort: grpc, httpPort: http, sourceLine: line(of: entry.key))
    }
    return PlantConfiguration.Cell(
      id: id,
      lineID: string(required(fields, "line", in: context), "\(context) line") ?? "",
      station: int(required(fields, "station", in: context), "\(context) station") ?? 0,
      taktMs: int(required(fields, "takt_ms", in: context), "\(context) takt_ms") ?? 0,
      idealCycleMs: int(required(fields, "ideal_cycle_ms", in: context), "\(context) ideal_cycle_ms") ?? 0,
      robots: robots,
      yield: optional(fields, "yield").flatMap { yieldEndpoint($0, in: "\(context) yield") },
      ports: ports ?? [],
      sourceLine: line(of: node))
  }

  private func securitySection(_ node: Node) -> PlantConfiguration.Security? {
    guard let fields = mapping(node, "security") else { return nil }
    check(fields, allowed: ["pki", "insecure"], in: "security")
    var insecure = false
    if let flag = optional(fields, "insecure") {
      if let value = flag.bool, flag.scalar != nil {
        insecure = value
      } else {
        issues.append(
          PlantConfigIssue(
            .error, .invalidValue, line: line(of: flag), "security.insecure must be true or false, got '\(flag.string ?? "…")'"))
      }
    }
    return PlantConfiguration.Security(
      pkiDirectory: string(optional(fields, "pki"), "security.pki"), insecure: insecure, sourceLine: line(of: node))
  }

  private func robot(_ node: Node, cell: String) -> PlantConfiguration.Robot? {
    let context = "a robot of cell '\(cell)'"
    guard let fields = mapping(node, context) else { return nil }
    check(fields, allowed: ["id", "side", "feeder", "fixture"], in: context)
    guard let id = string(required(fields, "id", in: context), "robot id"),
      let sideNode = required(fields, "side", in: "robot '\(id)'"), let sideText = string(sideNode, "side")
    else { return nil }
    guard let side = PlantConfiguration.Side(rawValue: sideText) else {
      issues.append(
        PlantConfigIssue(
          .error, .invalidValue, line: line(of: sideNode), "robot '\(id)': side must be left or right, got '\(sideText)'"))
      return nil
    }
    guard let feeder = required(fields, "feeder", in: "robot '\(id)'").flatMap({ plcDevice($0, "robot '\(id)' feeder") }),
      let fixture = required(fields, "fixture", in: "robot '\(id)'").flatMap({ plcDevice($0, "robot '\(id)' fixture") })
    else { return nil }
    return PlantConfiguration.Robot(id: id, side: side, feeder: feeder, fixture: fixture, sourceLine: line(of: node))
  }

  private func plcDevice(_ node: Node, _ context: String) -> PlantConfiguration.PlcDevice? {
    guard let fields = mapping(node, context) else { return nil }
    check(fields, allowed: ["host", "port", "unit"], in: context)
    guard let host = string(required(fields, "host", in: context), "\(context) host"),
      let unit = int(required(fields, "unit", in: context), "\(context) unit")
    else { return nil }
    let port = int(optional(fields, "port"), "\(context) port") ?? 502
    if !(1...65535).contains(port) {
      issues.append(
        PlantConfigIssue(.error, .invalidValue, line: line(of: node), "\(context): port must be 1–65535, got \(port)"))
    }
    return PlantConfiguration.PlcDevice(host: host, port: port, unitID: unit, sourceLine: line(of: node))
  }

  private func yieldEndpoint(_ node: Node, in context: String) -> PlantConfiguration.YieldEndpoint? {
    guard let fields = mapping(node, context) else { return nil }
    check(fields, allowed: ["grpc", "url"], in: context)
    guard let grpcNode = required(fields, "grpc", in: context), let grpc = string(grpcNode, "\(context) grpc") else {
      return nil
    }
    if Self.hostAndPort(grpc) == nil {
      issues.append(
        PlantConfigIssue(
          .error, .invalidValue, line: line(of: grpcNode),
          "\(context): grpc must be HOST:PORT (e.g. yield:50066), got '\(grpc)'"))
    }
    let url = string(optional(fields, "url"), "\(context) url")
    if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
      issues.append(
        PlantConfigIssue(
          .error, .invalidValue, line: line(of: fields["url"] ?? node),
          "\(context): url must start with http:// or https://, got '\(url)'"))
    }
    return PlantConfiguration.YieldEndpoint(grpcAddress: grpc, url: url, sourceLine: line(of: node))
  }

  private func shiftCalendar(_ node: Node) -> PlantConfiguration.ShiftCalendarSection? {
    guard let fields = mapping(node, "shift_calendar") else { return nil }
    check(fields, allowed: ["time_zone", "shifts"], in: "shift_calendar")
    let zoneNode = required(fields, "time_zone", in: "shift_calendar")
    let shifts = sequence(required(fields, "shifts", in: "shift_calendar"), "shifts").compactMap {
      shiftNode -> PlantConfiguration.Shift? in
      guard let shiftFields = mapping(shiftNode, "a shift") else { return nil }
      check(shiftFields, allowed: ["name", "start", "end", "breaks"], in: "a shift")
      guard let name = string(required(shiftFields, "name", in: "a shift"), "shift name") else { return nil }
      let context = "shift '\(name)'"
      let breaks = sequence(optional(shiftFields, "breaks"), "\(context) breaks").compactMap {
        breakNode -> PlantConfiguration.Break? in
        guard let breakFields = mapping(breakNode, "a break of \(context)") else { return nil }
        check(breakFields, allowed: ["start", "end"], in: "a break of \(context)")
        guard let start = time(required(breakFields, "start", in: "a break of \(context)"), "break start"),
          let end = time(required(breakFields, "end", in: "a break of \(context)"), "break end")
        else { return nil }
        return PlantConfiguration.Break(start: start, end: end, sourceLine: line(of: breakNode))
      }
      guard let start = time(required(shiftFields, "start", in: context), "\(context) start"),
        let end = time(required(shiftFields, "end", in: context), "\(context) end")
      else { return nil }
      return PlantConfiguration.Shift(name: name, start: start, end: end, breaks: breaks, sourceLine: line(of: shiftNode))
    }
    return PlantConfiguration.ShiftCalendarSection(
      timeZone: string(zoneNode, "time_zone") ?? "", shifts: shifts, sourceLine: line(of: node),
      timeZoneLine: zoneNode.map(line(of:)) ?? line(of: node))
  }

  // MARK: typed access, recording problems

  private func line(of node: Node) -> Int { node.mark?.line ?? 0 }

  private func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
    if let mapping = node.mapping { return mapping }
    issues.append(
      PlantConfigIssue(.error, .invalidValue, line: line(of: node), "\(what) must be a mapping of keys to values"))
    return nil
  }

  private func sequence(_ node: Node?, _ what: String) -> [Node] {
    guard let node else { return [] }
    if let sequence = node.sequence { return Array(sequence) }
    if node.null != nil { return [] }
    issues.append(PlantConfigIssue(.error, .invalidValue, line: line(of: node), "\(what) must be a list (- …)"))
    return []
  }

  private func optional(_ mapping: Node.Mapping, _ key: String) -> Node? {
    mapping[key]
  }

  private func required(_ mapping: Node.Mapping, _ key: String, in context: String) -> Node? {
    if let value = mapping[key] { return value }
    issues.append(PlantConfigIssue(.error, .missingKey, line: mapping.mark?.line ?? 0, "\(context) needs '\(key)'"))
    return nil
  }

  /// Records keys that are not in `allowed` and keys given twice.
  private func check(_ mapping: Node.Mapping, allowed: [String], in context: String) {
    var seen: [String: Int] = [:]
    for (key, _) in mapping {
      guard let name = key.string else { continue }
      if let first = seen[name] {
        issues.append(
          PlantConfigIssue(
            .error, .duplicateID, line: line(of: key), "\(context): key '\(name)' is given twice (first on line \(first))"))
      }
      seen[name] = seen[name] ?? line(of: key)
      if !allowed.contains(name) {
        issues.append(
          PlantConfigIssue(
            .error, .unknownKey, line: line(of: key),
            "\(context): unknown key '\(name)'; expected one of \(allowed.joined(separator: ", "))"))
      }
    }
  }

  private func string(_ node: Node?, _ what: String) -> String? {
    guard let node else { return nil }
    if let scalar = node.scalar, node.null == nil, !scalar.string.isEmpty { return scalar.string }
    issues.append(PlantConfigIssue(.error, .invalidValue, line: line(of: node), "\(what) must be a non-empty text"))
    return nil
  }

  private func int(_ node: Node?, _ what: String) -> Int? {
    guard let node else { return nil }
    if node.scalar != nil, let value = node.int { return value }
    issues.append(
      PlantConfigIssue(
        .error, .invalidValue, line: line(of: node), "\(what) must be a whole number, got '\(node.string ?? "…")'"))
    return nil
  }

  /// A time of day as text (`"06:00"`). YAML 1.1 readers turn unquoted 06:00 into a number, so
  /// the text of the scalar is used as written.
  private func time(_ node: Node?, _ what: String) -> String? {
    guard let node, let text = string(node, what) else { return nil }
    return text
  }

  /// The line of the second `key:` at the indentation of the first, at or after `line` (Yams
  /// reports duplicate keys at the mapping's start); `line` when not found.
  private static func secondKeyLine(_ key: String, after line: Int, in yaml: String) -> Int {
    var firstIndent: Int?
    for (index, text) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= line {
      let trimmed = text.drop { $0 == " " || $0 == "-" }
      guard trimmed.hasPrefix(key + ":") else { continue }
      let indent = text.count - trimmed.count
      if let firstIndent {
        if indent == firstIndent { return index + 1 }
      } else {
        firstIndent = indent
      }
    }
    return line
  }

  static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
    guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
      let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
    else { return nil }
    return (String(text[..<colon]), port)
  }

  private static func syntaxIssue(_ error: YamlError, yaml: String) -> PlantConfigIssue {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return PlantConfigIssue(.error, .syntax, line: mark.line, "YAML syntax: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return PlantConfigIssue(
        .error, .duplicateID, line: secondKeyLine(duplicates.sorted().first ?? "", after: context.mark.line, in: yaml),
        "the mapping here gives key(s) \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) more than once")
    default:
      return PlantConfigIssue(.error, .syntax, line: 0, "YAML: \(error)")
    }
  }
}
