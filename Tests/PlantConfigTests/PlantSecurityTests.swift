import PlantConfig
import Testing

/// The plant file's `security` section: `workcell config check` flags a plant that does not say
/// how its gRPC hops are secured, and `workcell compose` follows what it says.
@Suite("Plant file: security")
struct PlantSecurityTests {
  static let cell = """
    plant: { id: p }
    yield: { grpc: "yield:50066" }
    lines: [{ id: l }]
    cells:
      - id: c
        line: l
        station: 1
        takt_ms: 76000
        ideal_cycle_ms: 70000
        robots:
          - { id: r, side: left, feeder: { host: 10.0.0.1, unit: 1 }, fixture: { host: 10.0.0.1, unit: 2 } }

    """

  @Test(
    "a missing section warns, both ways or neither is an error, plaintext warns, certificates pass",
    arguments: [
      ("", "0 warning security"),
      ("security: { pki: /etc/workcell/pki, insecure: true }\n", "12 error security"),
      ("security: { insecure: false }\n", "12 error security"),
      ("security: { insecure: true }\n", "12 warning security"),
      ("security: { insecure: maybe }\n", "12 error invalid_value|12 error security"),
      ("security: { pki: /etc/workcell/pki, tls: on }\n", "12 error unknown_key"),
      ("security: { pki: /etc/workcell/pki }\n", ""),
    ])
  func issues(section: String, expected: String) {
    let found = PlantConfiguration.check(yaml: Self.cell + section).issues
      .map { "\($0.line) \($0.severity.rawValue) \($0.code.rawValue)" }
    #expect(found == (expected.isEmpty ? [] : expected.split(separator: "|").map(String.init)), "\(found)")
  }

  @Test("the missing section's warning says what to add and where the certificates come from")
  func missingMessage() throws {
    let issue = try #require(PlantConfiguration.check(yaml: Self.cell).issues.first)
    #expect(issue.message.contains("workcell certs init --plant DIR") && issue.message.contains("insecure: true"))
  }

  @Test("compose mounts the certificates the plant file names, or none for a plaintext plant")
  func compose() throws {
    let part = CellComposePart(defaultPorts: [:])
    let named = try PlantConfiguration.load(yaml: Self.cell + "security: { pki: /srv/plant/pki }\n", file: "p.yaml")
    let text = part.composeFile(for: named, source: "p.yaml")
    #expect(text.contains("\"${WORKCELL_PKI_DIR:-/srv/plant/pki}:/etc/workcell/pki:ro\""))
    #expect(text.contains("WORKCELL_TLS_DIR: /etc/workcell/pki") && !text.contains("WORKCELL_INSECURE"))
    let plaintext = try PlantConfiguration.load(yaml: Self.cell + "security: { insecure: true }\n", file: "p.yaml")
    let open = part.composeFile(for: plaintext, source: "p.yaml")
    #expect(open.contains("WORKCELL_INSECURE: \"true\""))
    #expect(!open.contains("/etc/workcell/pki"))
  }
}
