import ArgumentParser
import Foundation
import Testing
import X509

@testable import WorkcellRuntime

@Suite("Mutual TLS: who may call what, the plant's certificates, plaintext on the network")
struct FleetSecurityTests {
  @Test("the authorization table", arguments: [
    ("cell", "workcell.control.v1.Control/Execute", true),
    ("operator", "workcell.control.v1.Control/Home", true),
    ("perception", "workcell.control.v1.Control/Execute", false),
    ("mes", "workcell.control.v1.Control/Execute", false),
    ("policy", "workcell.control.v1.Control/GetState", true),
    ("mes", "workcell.control.v1.Control/GetState", false),
    ("cell", "workcell.plc.v1.PlcBridge/Fasten", true),
    ("control", "workcell.plc.v1.PlcBridge/Fasten", false),
    ("control", "workcell.plc.v1.PlcBridge/WatchSafety", true),
    ("cell", "workcell.cell.v1.Cell/Start", false),
    ("operator", "workcell.cell.v1.Cell/Start", true),
    ("cell", "workcell.policy.v1.Policy/ActivateModel", false),
    ("cell", "workcell.policy.v1.Policy/Act", true),
    ("cell", "workcell.yield.v1.Yield/ReportCycles", true),
    ("mes", "workcell.yield.v1.Yield/ReportCycleBatch", false),
    ("mes", "workcell.yield.v1.Yield/QueryOee", true),
    ("mes", "workcell.yield.v1.Yield/ListCycles", true),
    ("mes", "grpc.health.v1.Health/Check", true),
  ])
  func authorization(identity: String, method: String, allowed: Bool) {
    let refusal = FleetAuthorization.refusal(identity: identity, method: method)
    #expect((refusal == nil) == allowed, "\(identity) → \(method): \(refusal ?? "allowed")")
    if let refusal { #expect(refusal.contains(identity) && refusal.contains(method)) }
  }

  @Test("certs init writes a CA and identities that chain to it; a second init is refused; add issues more")
  func certificates() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString.prefix(8))").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let files = try PlantCertificates.initialise(directory: directory, plant: "Test plant", identities: ["cell", "mes"])
    #expect(files.count == 6)
    let ca = try Certificate(pemEncoded: try String(contentsOfFile: directory + "/ca.pem", encoding: .utf8))
    let cell = try Certificate(pemEncoded: try String(contentsOfFile: directory + "/cell.pem", encoding: .utf8))
    #expect(cell.issuer == ca.subject)
    #expect(cell.subject.description.contains("CN=cell"))
    #expect(try ca.publicKey.isValidSignature(cell.signature, for: cell))
    let mode = try FileManager.default.attributesOfItem(atPath: directory + "/cell.key")[.posixPermissions] as? Int
    #expect(mode == 0o600)
    #expect(throws: WorkcellError.self) { try PlantCertificates.initialise(directory: directory, plant: "Again") }
    #expect(throws: WorkcellError.self) { try PlantCertificates.add(directory: directory, identities: ["bad name"]) }
    try PlantCertificates.add(directory: directory, identities: ["operator-2"])
    let added = try Certificate(pemEncoded: try String(contentsOfFile: directory + "/operator-2.pem", encoding: .utf8))
    #expect(added.issuer == ca.subject)
    #expect(added.subject.description.contains("O=Test plant"))
    // A process can take the identity; a missing one is named.
    #expect(try FleetTLS(directory: directory, identity: "mes").identity == "mes")
    #expect(throws: WorkcellError.self) { try FleetTLS(directory: directory, identity: "control") }
  }

  @Test("plaintext on a network address needs --insecure (flag or WORKCELL_INSECURE); loopback and --tls-dir do not")
  func plaintextOnTheNetwork() throws {
    #expect(throws: ValidationError.self) { try RuntimeOptions.parse(["--host", "0.0.0.0"]).resolve(environment: [:]) }
    #expect(try RuntimeOptions.parse(["--host", "0.0.0.0", "--insecure"]).resolve(environment: [:]).insecure)
    #expect(try RuntimeOptions.parse(["--host", "10.1.2.3"]).resolve(environment: ["WORKCELL_INSECURE": "1"]).insecure)
    let secured = try RuntimeOptions.parse(["--host", "0.0.0.0"]).resolve(environment: ["WORKCELL_TLS_DIR": "/etc/pki"])
    #expect(secured.tlsDirectory == "/etc/pki")
    for host in ["127.0.0.1", "localhost", "::1"] {
      #expect(try RuntimeOptions.parse(["--host", host]).resolve(environment: [:]).tlsDirectory == nil)
    }
  }
}
