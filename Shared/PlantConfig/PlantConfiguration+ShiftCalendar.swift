import YieldKPI

extension PlantConfiguration {
  /// The plant's shift calendar for the KPI library (what the yield service computes shifts and
  /// OEE against). Throws when the file has no `shift_calendar` or it is invalid.
  public func shiftCalendar() throws(PlantConfigError) -> ShiftCalendar {
    let file = sourceFile ?? "plant configuration"
    guard let section = shiftCalendarSection else {
      throw PlantConfigError(
        .invalid, file: file,
        issues: [PlantConfigIssue(.error, .missingKey, line: 0, "the plant file has no 'shift_calendar'")])
    }
    let problems = section.issues()
    guard problems.isEmpty else { throw PlantConfigError(.invalid, file: file, issues: problems) }
    var definitions: [ShiftDefinition] = []
    for shift in section.shifts {
      switch shift.definition() {
      case .success(let definition): definitions.append(definition)
      case .failure(let issue): throw PlantConfigError(.invalid, file: file, issues: [issue])
      }
    }
    do {
      return try ShiftCalendar(timeZoneIdentifier: section.timeZone, shifts: definitions)
    } catch {
      throw PlantConfigError(
        .invalid, file: file,
        issues: [PlantConfigIssue(.error, .invalidShift, line: section.sourceLine, error.message)])
    }
  }
}
