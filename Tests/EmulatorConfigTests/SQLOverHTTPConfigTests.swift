import EmulatorConfig
import Testing

@Suite("SQL over HTTP settings")
struct SQLOverHTTPConfigTests {
    @Test("the endpoint runs on port 4444 with 10 MiB limits unless runtime.json says otherwise")
    func defaults() throws {
        let project = try TemporaryProject()
        let config = try project.load("{}")
        #expect(config.sqlOverHTTP == SQLOverHTTPSettings(port: 4444, maxRequestBytes: 10_485_760, maxResponseBytes: 10_485_760))
        #expect(config.defaults.database == .tcp)
    }

    @Test("sqlOverHTTP keys, null, the http mode and a function's database are read and render back")
    func keysAndRoundTrip() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("edge")
        let config = try project.load(#"""
            {"mode": "http", "sqlOverHTTP": {"port": 0, "maxRequestBytes": 2048, "maxResponseBytes": 4096},
             "functions": {"edge": {"database": "http"}}}
            """#)
        #expect(config.mode == .http)
        #expect(config.sqlOverHTTP == SQLOverHTTPSettings(port: 0, maxRequestBytes: 2048, maxResponseBytes: 4096))
        #expect(config.settings(for: "edge").database == .http)
        #expect(try project.load(config.jsonText) == config)

        let disabled = try project.load(#"{"sqlOverHTTP": null}"#)
        #expect(disabled.sqlOverHTTP == nil)
        #expect(try project.load(disabled.jsonText) == disabled)
    }

    @Test("wrong values name the key")
    func wrongValues() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("edge")
        let transport = try project.loadError(#"{"functions": {"edge": {"database": "websocket"}}}"#)
        #expect(transport.description.contains("functions.edge.database: expected \"tcp\" or \"http\", got \"websocket\""))
        let port = try project.loadError(#"{"sqlOverHTTP": {"port": "4444"}}"#)
        #expect(port.description.contains("sqlOverHTTP.port: expected an integer"))
        let small = try project.loadError(#"{"sqlOverHTTP": {"maxResponseBytes": 10}}"#)
        #expect(small.description.contains("sqlOverHTTP.maxResponseBytes"))
        let unknown = try project.loadError(#"{"sqlOverHTTP": {"prot": 1}}"#)
        #expect(unknown.description.contains("unknown key \"prot\""))
    }

    @Test("HTTP without the endpoint is an error at start")
    func httpNeedsTheEndpoint() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("edge")
        let mode = try project.loadError(#"{"mode": "http", "sqlOverHTTP": null}"#)
        #expect(mode.description.contains("mode: \"http\" needs the SQL-over-HTTP endpoint"))
        let function = try project.loadError(#"{"sqlOverHTTP": null, "functions": {"edge": {"database": "http"}}}"#)
        #expect(function.description.contains("sqlOverHTTP: null, but functions.edge.database is \"http\""))
        // Without a database there is nothing to reach, so nothing to complain about.
        #expect(try project.load(#"{"database": null, "sqlOverHTTP": null, "mode": "http"}"#).mode == .http)
    }

    @Test("DATABASE_HTTP_URL and DATABASE_TRANSPORT are reserved for the host")
    func reservedVariables() throws {
        let project = try TemporaryProject()
        try project.addSwiftFunction("edge")
        for name in ["DATABASE_HTTP_URL", "DATABASE_TRANSPORT"] {
            let error = try project.loadError(#"{"functions": {"edge": {"environment": {"\#(name)": "x"}}}}"#)
            #expect(error.description.contains("\(name) is reserved"))
        }
    }
}
