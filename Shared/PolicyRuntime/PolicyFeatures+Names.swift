extension PolicyFeatures {
  /// One name per feature, in encoding order, with its unit (a dataset's `observation.state`
  /// names, docs/policy.md "Features"); `names.count == count`.
  public static let names: [String] = {
    var names = armJointNames.map { "\($0).position_rad" }
    names += ["\(gripperName).width_m", "nut.x_m", "nut.y_m", "nut.z_m", "nut.sin_12_yaw", "nut.cos_12_yaw"]
    names += ["spline_phase.per_15_deg", "spline_phase.sin_12", "spline_phase.cos_12", "holding", "seated"]
    let steps = [
      "request_part", "perceive_part", "reach", "grasp", "grasp_check", "carry", "align", "insert",
      "release_retreat", "fasten", "report",
    ]
    names += steps.map { "cycle_step.\($0)" }
    for (prefix, suffix) in [
      ("nut_from_tcp", "m"), ("nut_from_tcp_fine", "tanh_10mm"), ("nut_from_pin", "m"),
      ("nut_from_pin_fine", "tanh_10mm"),
    ] {
      names += ["x", "y", "z"].map { "\(prefix).\($0)_\(suffix)" }
    }
    return names
  }()
}
