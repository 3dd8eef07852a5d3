import ArgumentParser
import Logging
import Testing

@testable import WorkcellRuntime

@Suite("Runtime options and WORKCELL_* environment")
struct RuntimeOptionsTests {
  @Test("defaults apply when neither flag nor environment is set")
  func defaults() throws {
    let config = try RuntimeOptions.parse([]).resolve(environment: [:])
    #expect(config == RuntimeConfig(host: "127.0.0.1", logLevel: .info, logFormat: .json, shutdownGrace: .seconds(3)))
  }

  @Test("the environment overrides defaults and flags override the environment")
  func precedence() throws {
    let environment = [
      "WORKCELL_HOST": "0.0.0.0", "WORKCELL_LOG_LEVEL": "debug", "WORKCELL_LOG_FORMAT": "text",
      "WORKCELL_SHUTDOWN_GRACE_S": "1.5", "WORKCELL_INSECURE": "1",
    ]
    let fromEnvironment = try RuntimeOptions.parse([]).resolve(environment: environment)
    #expect(
      fromEnvironment
        == RuntimeConfig(
          host: "0.0.0.0", logLevel: .debug, logFormat: .text, shutdownGrace: .milliseconds(1500), insecure: true))

    let fromFlags = try RuntimeOptions.parse(["--host", "::1", "--log-level", "warning", "--shutdown-grace-s", "0"])
      .resolve(environment: environment)
    #expect(fromFlags.host == "::1")
    #expect(fromFlags.logLevel == .warning)
    #expect(fromFlags.logFormat == .text)
    #expect(fromFlags.shutdownGrace == .zero)
  }

  @Test("a bad environment value is an error naming the variable")
  func badEnvironment() {
    #expect {
      try RuntimeOptions.parse([]).resolve(environment: ["WORKCELL_LOG_LEVEL": "loud"])
    } throws: { error in
      "\(error)".contains("WORKCELL_LOG_LEVEL") && "\(error)".contains("loud")
    }
  }

  @Test("a bad runtime flag is rejected by the parser", arguments: [
    ["--log-format", "xml"], ["--shutdown-grace-s", "soon"], ["--log-level", "loud"],
  ])
  func badRuntimeFlag(arguments: [String]) {
    #expect(throws: (any Error).self) { try RuntimeOptions.parse(arguments) }
  }

  @Test("a bad port flag is rejected by the parser")
  func badPortFlag() {
    #expect(throws: (any Error).self) { try ServicePortOptions.parse(["--grpc-port", "http"]) }
  }

  @Test("the shutdown grace must be within 0…600 s", arguments: ["-1", "601", "nan"])
  func graceBounds(value: String) {
    #expect(throws: (any Error).self) {
      try RuntimeOptions.parse([]).resolve(environment: ["WORKCELL_SHUTDOWN_GRACE_S": value])
    }
  }

  @Test("ports follow the fleet port plan unless set")
  func portPlan() throws {
    let plc = try ServicePortOptions.parse([]).resolve(service: "plc-bridge", environment: [:])
    #expect(plc == ServicePorts(grpc: 50064, http: 9164))
    let fromEnvironment = try ServicePortOptions.parse(["--http-port", "0"])
      .resolve(service: "yield", environment: ["WORKCELL_GRPC_PORT": "7000", "WORKCELL_HTTP_PORT": "7001"])
    #expect(fromEnvironment == ServicePorts(grpc: 7000, http: 0))
  }

  @Test("ports out of range or equal are refused", arguments: [
    ServicePorts(grpc: -1, http: 80), ServicePorts(grpc: 70000, http: 80), ServicePorts(grpc: 8080, http: 8080),
  ])
  func badPorts(ports: ServicePorts) {
    #expect(throws: ValidationError.self) { try ports.validate() }
  }

  @Test("every fleet service has a distinct port offset")
  func fleetOrder() {
    #expect(Set(FleetPortPlan.order).count == FleetPortPlan.order.count)
    #expect(FleetPortPlan.offset(of: "perception") == 0)
    #expect(FleetPortPlan.offset(of: "cell-sim") == 6)
    #expect(FleetPortPlan.offset(of: "mes") == nil)
  }
}
