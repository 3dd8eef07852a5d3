/// A dimension KPI rows are grouped by: a value of the API's `group_by` list.
public enum GroupDimension: String, Hashable, Sendable, CaseIterable, Codable {
  /// Clock hour of `ended_at` (UTC unless a zone is given).
  case hour
  /// Shift of the plant calendar (in the calendar's zone).
  case shift
  /// Calendar day of `ended_at` (UTC unless a zone is given).
  case day
  /// Cell id.
  case cell
  /// Robot id.
  case robot
  /// Station id.
  case station
  /// Line id.
  case line
  /// The model version that drove the cycle (`model_version` of its record): yield, FPY and the
  /// Pareto per model, for comparing a new model with the one it replaces. Yield rows only (OEE is
  /// per equipment).
  case modelVersion = "model_version"
}
