import ArgumentParser
import Foundation
import WorkcellRuntime

/// `workcell certs`: the plant's certificates for mutual TLS between the fleet's services.
struct CertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "certs",
    abstract: "Make the plant's certificates for mutual TLS on every gRPC hop (docs/security.md).",
    subcommands: [Init.self, Add.self]
  )

  /// `workcell certs init --plant DIR`: a new CA and one certificate per identity.
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract: "Create the plant's CA and a certificate per identity in DIR.",
      discussion: """
        Writes DIR/ca.pem and DIR/ca.key (keep ca.key off the cells: whoever holds it can mint \
        identities), and DIR/<identity>.pem and .key for every service (cell, policy, perception, \
        control, plc-bridge, yield, cell-sim), operator and mes. Each certificate's common name \
        is its identity; services authorize callers by it (only cell and operator move robots or \
        write to the PLC; mes reads yield and nothing else). Give each process its directory with \
        --tls-dir (or WORKCELL_TLS_DIR); compose and Kubernetes mount it as a secret.
        """)

    @Option(help: "The directory to write (created if needed; must not hold a CA yet).")
    var plant: String

    @Option(help: "The plant's name, written into every certificate's organisation.")
    var name: String = "Workcell plant"

    @Option(help: "Identities to issue, comma-separated (default: every service, operator, mes).")
    var identities: String?

    @OptionGroup var issue: Issuing

    func run() throws {
      let chosen = identities.map(CertsCommand.list) ?? PlantCertificates.defaultIdentities
      let files = try PlantCertificates.initialise(
        directory: plant, plant: name, identities: chosen, extraHosts: issue.hostList, validDays: issue.days)
      print("wrote \(files.count) files to \(plant): the CA and \(chosen.joined(separator: ", "))")
    }
  }

  /// `workcell certs add --plant DIR --identities …`: more identities from the same CA.
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add", abstract: "Issue more identities (e.g. a second operator station) from the plant's CA in DIR.")

    @Option(help: "The directory holding the plant's CA.")
    var plant: String

    @Option(help: "Identities to issue, comma-separated.")
    var identities: String

    @OptionGroup var issue: Issuing

    func run() throws {
      let chosen = CertsCommand.list(identities)
      guard !chosen.isEmpty else { throw ValidationError("--identities names none.") }
      let files = try PlantCertificates.add(
        directory: plant, identities: chosen, extraHosts: issue.hostList, validDays: issue.days)
      print("wrote \(files.count) files to \(plant): \(chosen.joined(separator: ", "))")
    }
  }

  /// What every issued certificate names and how long it lasts (init and add alike).
  struct Issuing: ParsableArguments {
    @Option(help: "Extra host names or IPv4 addresses the certificates name, comma-separated (e.g. the plant server's).")
    var hosts: String = ""

    @Option(help: "Days the certificates are valid.")
    var days: Int = 825

    var hostList: [String] { CertsCommand.list(hosts) }

    func validate() throws {
      guard (1...3650).contains(days) else { throw ValidationError("--days must be 1–3650, got \(days).") }
    }
  }

  static func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}
