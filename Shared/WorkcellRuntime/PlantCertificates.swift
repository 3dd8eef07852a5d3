import Crypto
import Foundation
import SwiftASN1
import X509

/// The plant's certificates for mutual TLS (docs/security.md): one CA, and per identity a P-256
/// key and a certificate the CA signed, its common name the identity, valid for TLS server and
/// client use, naming `localhost`, `127.0.0.1` and the identity itself (the service's host name
/// in compose and Kubernetes) plus any extra host names given. Written as PEM:
/// `ca.pem`, `ca.key`, `<identity>.pem`, `<identity>.key` (keys mode 0600).
public enum PlantCertificates {
  /// The identities `workcell certs init` makes by default: every service, an operator and the MES.
  public static let defaultIdentities = [
    "cell", "policy", "perception", "control", "plc-bridge", "yield", "cell-sim", FleetAuthorization.operatorIdentity,
    FleetAuthorization.mes,
  ]

  /// Writes a new CA and a certificate per identity into `directory` (created if needed);
  /// refuses to overwrite a CA already there. Returns the files written.
  @discardableResult
  public static func initialise(
    directory: String, plant: String, identities: [String] = defaultIdentities, extraHosts: [String] = [],
    validDays: Int = 825, now: Date = Date()
  ) throws -> [String] {
    let base = URL(fileURLWithPath: directory)
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    let caFile = base.appendingPathComponent("ca.pem")
    guard !FileManager.default.fileExists(atPath: caFile.path) else {
      throw WorkcellError(
        .alreadyExists, "\(caFile.path) exists: a plant has one CA; add identities with `workcell certs add`, or use a new directory.")
    }
    for identity in identities where !isValidIdentity(identity) {
      throw WorkcellError(.invalidArgument, "identity '\(identity)' must be letters, digits, '-' or '_' (it names files and hosts).")
    }
    let caKey = P256.Signing.PrivateKey()
    let caName = try DistinguishedName {
      OrganizationName(plant)
      CommonName("\(plant) CA")
    }
    let ca = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
      notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(validDays) * 86_400),
      issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
      },
      issuerPrivateKey: .init(caKey))
    var written: [String] = []
    try write(try ca.serializeAsPEM().pemString, to: caFile, secret: false)
    try write(caKey.pemRepresentation, to: base.appendingPathComponent("ca.key"), secret: true)
    written += [caFile.path, base.appendingPathComponent("ca.key").path]
    written += try issue(identities: identities, ca: ca, caKey: caKey, plant: plant, extraHosts: extraHosts, validDays: validDays, now: now, into: base)
    return written
  }

  /// Adds identities to a directory that holds the plant's CA (`ca.pem`, `ca.key`).
  @discardableResult
  public static func add(
    directory: String, identities: [String], extraHosts: [String] = [], validDays: Int = 825, now: Date = Date()
  ) throws -> [String] {
    let base = URL(fileURLWithPath: directory)
    let ca: Certificate
    let caKey: P256.Signing.PrivateKey
    do {
      ca = try Certificate(pemEncoded: try String(contentsOf: base.appendingPathComponent("ca.pem"), encoding: .utf8))
      caKey = try P256.Signing.PrivateKey(
        pemRepresentation: try String(contentsOf: base.appendingPathComponent("ca.key"), encoding: .utf8))
    } catch {
      throw WorkcellError(.failedPrecondition, "\(directory) holds no readable plant CA (ca.pem, ca.key): \(error)")
    }
    for identity in identities where !isValidIdentity(identity) {
      throw WorkcellError(.invalidArgument, "identity '\(identity)' must be letters, digits, '-' or '_' (it names files and hosts).")
    }
    var plant = "Workcell plant"
    for rdn in ca.subject {
      for attribute in rdn where attribute.type == .RDNAttributeType.organizationName { plant = attribute.value.description }
    }
    return try issue(identities: identities, ca: ca, caKey: caKey, plant: plant, extraHosts: extraHosts, validDays: validDays, now: now, into: base)
  }

  static func isValidIdentity(_ identity: String) -> Bool {
    !identity.isEmpty && identity.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
  }

  private static func issue(
    identities: [String], ca: Certificate, caKey: P256.Signing.PrivateKey, plant: String, extraHosts: [String],
    validDays: Int, now: Date, into base: URL
  ) throws -> [String] {
    var written: [String] = []
    for identity in identities {
      let key = P256.Signing.PrivateKey()
      let subject = try DistinguishedName {
        OrganizationName(plant)
        CommonName(identity)
      }
      var names: [GeneralName] = [.dnsName("localhost"), .dnsName(identity), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
      for host in extraHosts {
        if let octets = ipv4(host) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets)))) } else { names.append(.dnsName(host)) }
      }
      let certificate = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
        notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(validDays) * 86_400),
        issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
          Critical(BasicConstraints.notCertificateAuthority)
          Critical(KeyUsage(digitalSignature: true))
          try ExtendedKeyUsage([.serverAuth, .clientAuth])
          SubjectAlternativeNames(names)
        },
        issuerPrivateKey: .init(caKey))
      let certificateFile = base.appendingPathComponent("\(identity).pem")
      let keyFile = base.appendingPathComponent("\(identity).key")
      try write(try certificate.serializeAsPEM().pemString, to: certificateFile, secret: false)
      try write(key.pemRepresentation, to: keyFile, secret: true)
      written += [certificateFile.path, keyFile.path]
    }
    return written
  }

  private static func ipv4(_ host: String) -> [UInt8]? {
    let parts = host.split(separator: ".").compactMap { UInt8($0) }
    return parts.count == 4 && host.split(separator: ".").count == 4 ? parts : nil
  }

  private static func write(_ text: String, to url: URL, secret: Bool) throws {
    try Data((text.hasSuffix("\n") ? text : text + "\n").utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: url.path)
  }
}
