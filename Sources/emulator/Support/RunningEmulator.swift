import Foundation

/// The record of the emulator serving a project, `.emulator/emulator.json`
/// (`{"pid": …, "port": …}`): a second emulator of the same project finds it
/// and says so, instead of tripping over the first one's database and ports.
struct RunningEmulator {
    var pid: Int32
    var port: Int

    /// The record's path in a project's state folder.
    static func path(stateDirectory: String) -> String { stateDirectory + "/emulator.json" }

    /// The emulator recorded for the project, if that process still runs and is an emulator.
    static func find(stateDirectory: String) -> RunningEmulator? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let pid = (object["pid"] as? NSNumber).map({ Int32(truncating: $0) }),
              let port = (object["port"] as? NSNumber).map({ Int(truncating: $0) }),
              pid > 0, pid != getpid(), kill(pid, 0) == 0 else { return nil }
        // A recycled pid of some other program is not an emulator.
        let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        guard commandLine.split(separator: "\0").first?.hasSuffix("emulator") == true else { return nil }
        return RunningEmulator(pid: pid, port: port)
    }

    /// Throws when another emulator serves the project.
    static func ensureNone(stateDirectory: String, projectDirectory: String) throws {
        guard let running = find(stateDirectory: stateDirectory) else { return }
        throw CommandError(
            "another emulator of this project is running (pid \(running.pid), http://127.0.0.1:\(running.port)) "
                + "and owns its database; stop it first (kill \(running.pid), or Ctrl-C where it runs), "
                + "or run this project from a copy in another folder")
    }

    /// Records this process as the project's emulator, listening on `port`.
    static func record(port: Int, stateDirectory: String) {
        try? FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let text = #"{"pid": \#(getpid()), "port": \#(port)}"# + "\n"
        try? text.write(toFile: path(stateDirectory: stateDirectory), atomically: true, encoding: .utf8)
    }

    /// Removes this process's record (not another's).
    static func remove(stateDirectory: String) {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              (object["pid"] as? NSNumber).map({ Int32(truncating: $0) }) == getpid() else { return }
        try? FileManager.default.removeItem(atPath: path(stateDirectory: stateDirectory))
    }
}
