/// Why a modality's confidence dropped (mirrors `workcell.perception.v1.DegradationReason`).
public enum DegradationReason: Int, Sendable, Hashable, CaseIterable {
  /// Not degraded.
  case none = 0
  /// Saturated glare over the nut.
  case glare = 1
  /// Something hides part of the nut.
  case occlusion = 2
  /// The nut is not (wholly) in the image.
  case outOfView = 3
  /// Pressure where no nut contact is expected.
  case unexpectedContact = 4
  /// The fingertips touch nothing.
  case noContact = 5
  /// The newest frame is older than the freshness limit (set by the service, not here).
  case staleData = 6
  /// The sensor reports nothing usable (e.g. an ill-conditioned Jacobian for the wrench).
  case sensorFault = 7
}
