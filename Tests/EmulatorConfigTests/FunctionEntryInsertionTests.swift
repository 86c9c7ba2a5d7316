import EmulatorConfig
import Testing

/// `RuntimeConfig.addingFunction`: what `emulator new` writes into runtime.json.
@Suite("Adding a function entry")
struct FunctionEntryInsertionTests {
    static let file = "/project/runtime.json"

    @Test("the entry goes first into functions; the rest stays as written")
    func intoExistingFunctions() throws {
        let text = """
            {
              "port": 3000,
              "functions": {
                "hello": { "routes": ["GET /hello"] }
              }
            }

            """
        let edited = try RuntimeConfig.addingFunction(
            named: "report", entry: #"{ "routes": ["GET /report"] }"#, to: text, configFile: Self.file)
        #expect(edited == """
            {
              "port": 3000,
              "functions": {
                "report": { "routes": ["GET /report"] },
                "hello": { "routes": ["GET /hello"] }
              }
            }

            """)
        let config = try RuntimeConfig.parse(edited, configFile: Self.file)
        #expect(config.settings(for: "report").routes?.map(\.routeKey) == ["GET /report"])
    }

    @Test("an empty functions object and a missing one both get the entry")
    func emptyOrMissingFunctions() throws {
        for text in [#"{ "port": 3000, "functions": {} }"#, #"{ "port": 3000 }"#, "{}", "\u{FEFF}{\r\n  \"port\": 3000\r\n}\r\n"] {
            let edited = try RuntimeConfig.addingFunction(
                named: "job", entry: #"{ "handler": "handler.handle" }"#, to: text, configFile: Self.file)
            let config = try RuntimeConfig.parse(edited, configFile: Self.file)
            #expect(config.settings(for: "job").handler == "handler.handle", "\(edited)")
            #expect(edited.hasPrefix("\u{FEFF}") == text.hasPrefix("\u{FEFF}"))
        }
    }

    @Test("an existing entry, invalid JSON or an invalid result are refused")
    func refusals() throws {
        let duplicate = #expect(throws: ConfigError.self) {
            try RuntimeConfig.addingFunction(
                named: "hello", entry: "{}", to: #"{"functions": {"hello": {}}}"#, configFile: Self.file)
        }
        #expect(duplicate?.message.contains("functions.hello already has an entry") == true)
        #expect(throws: ConfigError.self) {
            try RuntimeConfig.addingFunction(named: "x", entry: "{}", to: #"{"functions": "#, configFile: Self.file)
        }
        #expect(throws: ConfigError.self) {
            try RuntimeConfig.addingFunction(named: "x", entry: #"{"memoryMB": 1}"#, to: "{}", configFile: Self.file)
        }
    }
}
