import ArgumentParser
import EmulatorConfig
import Foundation

/// `emulator new NAME [--runtime swift|python|node] [--node]`: a function folder
/// that builds and answers at once, and its entry in runtime.json.
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create a function in Functions/ and add it to runtime.json.")

    @Argument(help: "The function's name: \(FunctionName.rule).")
    var name: String

    @Option(help: "The language of the function: swift (default), python or node (also nodejs).")
    var runtime: FunctionScaffold.Runtime = .swift

    @Flag(help: "A Node.js function (the same as --runtime node).")
    var node = false

    @OptionGroup var project: ProjectOptions

    func validate() throws {
        guard FunctionName.isValid(name) else {
            throw ValidationError("\"\(name)\" is not a usable function name: \(FunctionName.rule)")
        }
        guard !node || runtime == .swift || runtime == .node else {
            throw ValidationError("--node and --runtime \(runtime.rawValue) contradict each other")
        }
    }

    func run() throws {
        let config = try project.load()
        let configFile = config.configFile
        let existing = FileManager.default.contents(atPath: configFile).map { String(decoding: $0, as: UTF8.self) } ?? "{}\n"
        let runtime = node ? .node : self.runtime
        let scaffold = FunctionScaffold(name: name, runtime: runtime)
        let edited = try RuntimeConfig.addingFunction(named: name, entry: scaffold.entry, to: existing, configFile: configFile)
        try scaffold.write(into: config.projectDirectory + "/Functions")
        try edited.write(toFile: configFile, atomically: true, encoding: .utf8)
        print("Created Functions/\(name) (\(runtime.rawValue)) and its entry in \(configFile).")
        print("Serve it with `swift run emulator`, then: curl http://127.0.0.1:\(config.port)/\(name)")
    }
}

extension FunctionScaffold.Runtime: ExpressibleByArgument {
    init?(argument: String) {
        self.init(rawValue: argument == "nodejs" ? "node" : argument)
    }
}
