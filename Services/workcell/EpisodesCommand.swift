import ArgumentParser
import Foundation

/// `workcell episodes`: the cell's recorded cycles as training data (docs/episodes.md).
struct EpisodesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "episodes",
    abstract: "Work with the episodes the cell records (one per cycle).",
    subcommands: [Export.self]
  )

  /// `workcell episodes export`: a LeRobot dataset v3.0 from an episode directory.
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Export episodes to a LeRobot dataset (v3.0): meta/info.json, stats, tasks, episodes and data as Parquet.",
      discussion: """
        Example: workcell episodes export --from RUN/episodes --to dataset --outcome ok

        One episode per cycle (its cycle_id is the id yield stores): the observation the policy got \
        at every replan as observation.state, step 0 of its chunk as action, next.done and \
        next.reward (1 on the last frame of a fastened nut), and the cameras' video when the cell recorded \
        it (--episodes-video). Parquet is written by pyarrow: the \
        command runs scripts/lerobot_export.py with a Python that has pyarrow and pandas \
        (scripts/python-env.sh makes one in .venv). Torn episodes (the cell was killed while \
        writing) are named and skipped. Exit 0 when exported, 1 on bad input, 2 when nothing matched.
        """
    )

    @Option(name: .customLong("from"), help: "The cell's episode directory (the demo's: <run directory>/episodes).")
    var source: String

    @Option(name: .customLong("to"), help: "The dataset directory to write (must not exist, or be empty).")
    var target: String

    @Option(help: "Which cycles: ok, nok, aborted or all.")
    var outcome = "all"

    @Option(help: "Only cycles driven by this model version.")
    var model: String?

    @Option(help: "Only these cycle ids, comma-separated.")
    var cycles: String?

    @Option(
      help: ArgumentHelp(
        "What a frame is: replans (10 Hz: what the policy saw and answered) or trace (50 Hz: what control executed).",
        discussion: "trace frames come from control's own loop (Control/GetTrace, kept in each episode): the working arm's measured joint positions and velocities and gripper width as observation.state, the targets the loop sent as action."))
    var frames = "replans"

    @Option(
      help: ArgumentHelp(
        "Camera video: auto (videos/observation.images.<camera>/… when every exported episode was recorded with --episodes-video) or off.",
        discussion: "The episodes' own MP4s are joined per camera with ffmpeg (no re-encoding); an episode whose video is missing or short is named and skipped."))
    var video = "auto"

    @Option(help: "The Python to run the exporter with (default: $WORKCELL_PYTHON, else .venv/bin/python, else python3).")
    var python: String?

    @Option(help: "The exporter script (default: scripts/lerobot_export.py in the repository).")
    var exporter: String?

    func validate() throws {
      guard ["ok", "nok", "aborted", "all"].contains(outcome) else {
        throw ValidationError("--outcome must be ok, nok, aborted or all, got '\(outcome)'.")
      }
      guard ["auto", "off"].contains(video) else {
        throw ValidationError("--video must be auto or off, got '\(video)'.")
      }
      guard ["replans", "trace"].contains(frames) else {
        throw ValidationError("--frames must be replans or trace, got '\(frames)'.")
      }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--from \(source) is not a directory.")
      }
    }

    func run() throws {
      let script = try exporter ?? Self.findExporter()
      let interpreter =
        python ?? ProcessInfo.processInfo.environment["WORKCELL_PYTHON"]
        ?? (FileManager.default.isExecutableFile(atPath: ".venv/bin/python") ? ".venv/bin/python" : "python3")
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      var arguments = [interpreter, script, "--from", source, "--to", target, "--outcome", outcome, "--frames", frames, "--video", video]
      if let model { arguments += ["--model", model] }
      if let cycles { arguments += ["--cycles", cycles] }
      process.arguments = arguments
      do { try process.run() } catch {
        throw ValidationError("cannot run \(interpreter): \(error); set --python or WORKCELL_PYTHON.")
      }
      process.waitUntilExit()
      if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }

    /// scripts/lerobot_export.py in the working directory's repository, or in the one this
    /// executable was built in (.build/<config>/workcell).
    static func findExporter() throws -> String {
      try RepositoryFile.find("scripts/lerobot_export.py", hint: "run from the repository or pass --exporter")
    }
  }
}
