// libFuzzer harness (scripts/fuzz.sh plant-file): the plant file reader (YAML through Yams, then
// the structure), the consistency and security checks `workcell config check` prints, loading
// (which throws PlantConfigError), the shift calendar, and the compose part generated from a file
// without errors. Compiled into the PlantConfig module's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func plantFileFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  // The file as `load(contentsOf:)` gives it to the reader (invalid UTF-8 is repaired here
  // instead of refused, so that the YAML parser sees every input).
  let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let check = PlantConfiguration.check(yaml: yaml, file: "plant.yaml")
  for issue in check.issues { _ = issue.formatted(file: "plant.yaml") }
  do {
    let configuration = try PlantConfiguration.load(yaml: yaml, file: "plant.yaml")
    let part = CellComposePart(defaultPorts: ["cell": (50060, 9160), "plc-bridge": (50061, 9161)])
    _ = part.composeFile(for: configuration, source: "plant.yaml")
    _ = part.prometheusTargets(for: configuration)
  } catch {
    _ = error.description
  }
  if let configuration = check.configuration {
    _ = configuration.securityIssues()
    _ = try? configuration.shiftCalendar()
  }
  return 0
}
