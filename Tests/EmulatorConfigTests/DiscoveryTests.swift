import EmulatorConfig
import Foundation
import Testing

@Suite("Function discovery")
struct DiscoveryTests {
    @Test("Swift folders and bootstrap folders become functions, sorted, with merged settings and routes")
    func discoversBothKinds() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("hello")
        try project.addBootstrapFunction("greeter_py")
        try project.addSwiftFunction("users")
        try project.write("not a function\n", to: "Functions/README.md")
        try project.write("SELECT 1;\n", to: "Functions/.hidden/x.sql")
        try project.writeConfig(#"""
        {
          "defaults": { "timeoutSeconds": 5 },
          "functions": {
            "users": { "routes": ["GET /users", "GET /users/{id}"], "maxConcurrency": 3 },
            "greeter_py": { "handler": "handler.handle" }
          }
        }
        """#)
        let config = try RuntimeConfig.load(path: project.configPath)
        let functions = try discoverFunctions(config: config)

        #expect(functions.map(\.name) == ["greeter_py", "hello", "users"])
        let greeter = functions[0], hello = functions[1], users = functions[2]

        #expect(greeter.kind == .customRuntime(bootstrapPath: project.root + "/Functions/greeter_py/bootstrap"))
        #expect(greeter.directory == project.root + "/Functions/greeter_py")
        #expect(greeter.settings.handler == "handler.handle")
        #expect(greeter.routes.map(\.routeKey) == ["ANY /greeter_py", "ANY /greeter_py/{proxy+}"])

        #expect(hello.kind == .swift(productName: "hello"))
        #expect(hello.settings == FunctionSettings(timeoutSeconds: 5))
        #expect(hello.routes == FunctionDefinition.defaultRoutes(for: "hello"))

        #expect(users.kind == .swift(productName: "users"))
        #expect(users.settings.maxConcurrency == 3)
        #expect(users.settings.timeoutSeconds == 5)
        #expect(users.routes.map(\.routeKey) == ["GET /users", "GET /users/{id}"])
    }

    @Test("a project without runtime.json serves its folders with the defaults")
    func discoversWithoutConfig() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("hello")
        let config = try RuntimeConfig.resolve(configPath: nil, workingDirectory: project.root)
        let functions = try discoverFunctions(config: config)
        #expect(functions == [FunctionDefinition(
            name: "hello", kind: .swift(productName: "hello"), directory: project.root + "/Functions/hello",
            settings: FunctionSettings(), routes: FunctionDefinition.defaultRoutes(for: "hello")
        )])
    }

    @Test("a folder with no function's files is an error naming the folder and what it could hold")
    func emptyFolder() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("hello")
        try project.addEmptyFolder("broken")
        try project.write("notes\n", to: "Functions/broken/README.md")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/broken"))
        #expect(error.message.contains("holds no function: add a main.swift (Swift), an index.mjs or index.js (Node.js), a handler.py (Python), or an executable bootstrap"))
    }

    @Test("a bootstrap that is not executable is an error saying so")
    func nonExecutableBootstrap() throws {
        let project = try TemporaryProject()
        try project.addBootstrapFunction("py", executable: false)
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/py/bootstrap"))
        #expect(error.message.contains("is not executable; run: chmod +x"))
    }

    @Test("a folder with both Swift sources and a bootstrap is an error")
    func bothKinds() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("mixed")
        try project.addBootstrapFunction("mixed")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/mixed"))
        #expect(error.message.contains("both .swift files and a bootstrap"))
    }

    @Test("an entry for a function without a folder names the function and the file")
    func entryWithoutFolder() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("hello")
        try project.writeConfig(#"{"functions": {"hello": {}, "users": {"maxConcurrency": 5}}}"#)
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("runtime.json"))
        #expect(error.keyPath == "functions.users")
        #expect(error.message.contains("no function folder"))
        #expect(error.message.contains("Functions/users"))
        #expect(error.message.contains("there are: hello"))
    }

    @Test("two functions with the same method and path are an error naming both")
    func duplicateRouteAcrossFunctions() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("a")
        try project.addSwiftFunction("b")
        try project.writeConfig(#"""
        {"functions": {"a": {"routes": ["GET /users/{id}"]}, "b": {"routes": ["POST /users", "get /users/{userId}"]}}}
        """#)
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("runtime.json"))
        #expect(error.keyPath == "functions.b.routes")
        #expect(error.message == #"route "GET /users/{userId}" of function b is already served by function a ("GET /users/{id}")"#)
    }

    @Test("an explicit route that collides with another function's default route is an error")
    func collisionWithDefaultRoute() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("a")
        try project.addSwiftFunction("hello")
        try project.writeConfig(#"{"functions": {"a": {"routes": ["ANY /hello"]}}}"#)
        let error = try project.discoveryError()
        #expect(error.message.contains(#"route "ANY /hello" of function hello (a default route) is already served by function a"#))
    }

    @Test("the same path with different methods is not a collision")
    func differentMethodsCoexist() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("read")
        try project.addSwiftFunction("write")
        try project.writeConfig(#"{"functions": {"read": {"routes": ["GET /items"]}, "write": {"routes": ["POST /items", "ANY /items"]}}}"#)
        let functions = try discoverFunctions(config: try RuntimeConfig.load(path: project.configPath))
        #expect(functions.count == 2)
    }

    @Test("a folder with an invalid function name is an error")
    func invalidFolderName() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("bad name")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("Functions/bad name"))
        #expect(error.message.contains("invalid function name \"bad name\""))
    }

    @Test("a missing Functions/ folder is an error")
    func missingFunctionsFolder() throws {
        let project = try TemporaryProject()
        try FileManager.default.removeItem(atPath: project.root + "/Functions")
        try project.writeConfig("{}")
        let error = try project.discoveryError()
        #expect(error.file.hasSuffix("/Functions"))
        #expect(error.message.contains("no such folder"))
    }
}
