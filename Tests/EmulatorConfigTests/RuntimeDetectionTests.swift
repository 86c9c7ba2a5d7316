import EmulatorConfig
import Foundation
import Testing

@Suite("Runtime detection: a folder's files, or runtime.json's \"runtime\"")
struct RuntimeDetectionTests {
    @Test("Node.js and Python folders without a bootstrap use the built-in runtimes and their default handlers")
    func builtInRuntimesByFiles() throws {
        let project = try TemporaryProject()
        try project.write("export const handler = async () => 1;\n", to: "Functions/esm/index.mjs")
        try project.write("exports.handler = async () => 1;\n", to: "Functions/cjs/index.cjs")
        try project.write("exports.main = async () => 1;\n", to: "Functions/named/src/app.js")
        try project.write("def handle(event, context):\n    return 1\n", to: "Functions/py/handler.py")
        try project.addSwiftFunction("swifty")
        try project.addBootstrapFunction("custom")
        try project.write("def handle(e, c):\n    return 1\n", to: "Functions/custom/handler.py")
        try project.writeConfig(#"{"functions": {"named": {"handler": "src/app.main", "runtime": "nodejs"}}}"#)
        let functions = try discoverFunctions(config: RuntimeConfig.load(path: project.configPath))
        let byName = Dictionary(uniqueKeysWithValues: functions.map { ($0.name, $0) })

        #expect(byName["esm"]?.kind == .nodejs)
        #expect(byName["esm"]?.handler == "index.handler")
        #expect(byName["cjs"]?.kind == .nodejs)
        #expect(byName["named"]?.kind == .nodejs)
        #expect(byName["named"]?.handler == "src/app.main")
        #expect(byName["py"]?.kind == .python)
        #expect(byName["py"]?.handler == "handler.handle")
        // A bootstrap makes a custom runtime, whatever else the folder holds; it and Swift get no default _HANDLER.
        #expect(byName["custom"]?.kind == .customRuntime(bootstrapPath: project.root + "/Functions/custom/bootstrap"))
        #expect(byName["custom"]?.handler == nil)
        #expect(byName["swifty"]?.handler == nil)
    }

    @Test("\"runtime\" decides a folder with several languages; without it that is an error saying how to choose")
    func severalLanguages() throws {
        let project = try TemporaryProject()
        try project.write("exports.handler = async () => 1;\n", to: "Functions/mixed/index.js")
        try project.write("def handle(e, c):\n    return 1\n", to: "Functions/mixed/handler.py")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/mixed"))
        #expect(error.message.contains("holds both JavaScript (*.js, *.mjs, *.cjs) and Python (*.py)"))
        #expect(error.message.contains(#"say which it is with "runtime" in functions.mixed"#))

        let chosen = try project.load(#"{"functions": {"mixed": {"runtime": "python"}}}"#)
        #expect(try discoverFunctions(config: chosen).first?.kind == .python)
    }

    @Test("a \"runtime\" the folder does not fit is an error naming the key and what is missing", arguments: [
        ("nodejs", "holds no JavaScript file (*.js, *.mjs, *.cjs)"),
        ("swift", "holds no Swift sources (*.swift)"),
        ("provided", "holds no bootstrap"),
    ])
    func runtimeThatDoesNotFit(runtime: String, message: String) throws {
        let project = try TemporaryProject()
        try project.write("def handle(e, c):\n    return 1\n", to: "Functions/job/handler.py")
        try project.writeConfig(#"{"functions": {"job": {"runtime": "\#(runtime)"}}}"#)
        let error = try project.discoveryError()
        #expect(error.keyPath == "functions.job.runtime")
        #expect(error.message.hasPrefix("is \"\(runtime)\" but "), "\(error.message)")
        #expect(error.message.hasSuffix("Functions/job \(message)"), "\(error.message)")
    }

    @Test("an unknown \"runtime\" and one in \"defaults\" are refused")
    func badRuntimeValues() throws {
        let project = try TemporaryProject()
        let unknown = try project.loadError(#"{"functions": {"job": {"runtime": "ruby"}}}"#)
        #expect(unknown.keyPath == "functions.job.runtime")
        #expect(unknown.message.contains(#"expected "swift" or "nodejs" or "python" or "provided""#), "\(unknown.message)")
        let inDefaults = try project.loadError(#"{"defaults": {"runtime": "nodejs"}}"#)
        #expect(inDefaults.description.contains("runtime"), "\(inDefaults)")
    }

    @Test("a built-in runtime's handler file must exist, and a handler must be file.export")
    func handlerFiles() throws {
        let project = try TemporaryProject()
        try project.write("exports.handler = async () => 1;\n", to: "Functions/web/app.js")
        try project.writeConfig("{}")
        let missing = try project.discoveryError()
        #expect(missing.file.hasSuffix("Functions/web"))
        #expect(missing.message == #"has no index.js or index.mjs or index.cjs for the default handler "index.handler"; name the handler with "handler": "file.export" in functions.web"#)

        try project.writeConfig(#"{"functions": {"web": {"handler": "nodot"}}}"#)
        let malformed = try project.discoveryError()
        #expect(malformed.keyPath == "functions.web.handler")
        #expect(malformed.message.contains(#""nodot" is not file.export (e.g. "index.handler")"#), "\(malformed.message)")

        try project.writeConfig(#"{"functions": {"web": {"handler": "app.handler"}}}"#)
        #expect(try discoverFunctions(config: RuntimeConfig.load(path: project.configPath)).first?.handler == "app.handler")
    }

    @Test("a bootstrap that is a broken symlink is an error saying so, not \"chmod +x\"")
    func brokenSymlinkBootstrap() throws {
        let project = try TemporaryProject()
        try project.write("def handle(e, c):\n    return 1\n", to: "Functions/copied/handler.py")
        try FileManager.default.createSymbolicLink(
            atPath: project.root + "/Functions/copied/bootstrap", withDestinationPath: "../../Sources/missing/bootstrap")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/copied/bootstrap"))
        #expect(error.message.contains("is a broken symlink (to ../../Sources/missing/bootstrap, which does not exist)"), "\(error.message)")
        #expect(!error.message.contains("chmod"))
    }

    @Test("HandlerName splits at the last dot and refuses an empty side")
    func handlerNames() {
        #expect(HandlerName("index.handler").map { [$0.module, $0.export] } == ["index", "handler"])
        #expect(HandlerName("src/app.v2.main").map { [$0.module, $0.export] } == ["src/app.v2", "main"])
        #expect(HandlerName("nodot") == nil)
        #expect(HandlerName(".handler") == nil)
        #expect(HandlerName("index.") == nil)
    }
}
