import ArgumentParser
import Foundation

/// A file of the repository (a script, the committed model) found from wherever `workcell` runs:
/// the working directory first, else the repository this executable was built in
/// (`.build/<config>/workcell`, up to five levels above it).
enum RepositoryFile {
  static func find(_ relative: String, hint: String) throws -> String {
    var candidates = [URL(fileURLWithPath: relative)]
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
      candidates.append(directory.appendingPathComponent(relative))
      directory = directory.deletingLastPathComponent()
    }
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
      throw ValidationError("cannot find \(relative) in the working directory or the repository of this executable; \(hint).")
    }
    return found.path
  }
}
