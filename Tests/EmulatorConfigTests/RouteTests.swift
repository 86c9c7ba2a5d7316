import EmulatorConfig
import Testing

@Suite("Routes")
struct RouteTests {
    @Test("route keys parse into method and segments")
    func parsing() throws {
        let route = try Route(parsing: "GET /users/{id}")
        #expect(route.method == "GET")
        #expect(route.path == "/users/{id}")
        #expect(route.segments == [.literal("users"), .parameter("id")])
        #expect(route.routeKey == "GET /users/{id}")

        let greedy = try Route(parsing: "any  /x/{proxy+}")
        #expect(greedy.method == nil)
        #expect(greedy.segments == [.literal("x"), .greedy("proxy")])
        #expect(greedy.routeKey == "ANY /x/{proxy+}")

        let root = try Route(parsing: "POST /")
        #expect(root.segments.isEmpty)
        #expect(root.routeKey == "POST /")
    }

    @Test("$default parses, has its own route key and loses to every other route")
    func defaultRoute() throws {
        let route = try Route(parsing: "$default")
        #expect(route.isDefault)
        #expect(route.routeKey == "$default")
        #expect(route.shape == "$default")
        #expect(route != (try Route(parsing: "ANY /")))
        for other in ["ANY /{proxy+}", "ANY /", "GET /x"] {
            #expect(Route.isMoreSpecific(try Route(parsing: other), than: route))
            #expect(!Route.isMoreSpecific(route, than: try Route(parsing: other)))
        }
    }

    @Test("a bad route throws an error quoting it")
    func badRoute() {
        let error = #expect(throws: RouteSyntaxError.self) { try Route(parsing: "GET /a/{b") }
        #expect(error?.description == #"invalid route "GET /a/{b": unclosed or empty parameter "{b""#)
    }

    @Test("matching captures parameters and respects the method", arguments: [
        ("GET /users/{id}", "GET", "/users/42", ["id": "42"] as [String: String]?),
        ("GET /users/{id}", "get", "/users/42/", ["id": "42"]),
        ("GET /users/{id}", "POST", "/users/42", nil),
        ("GET /users/{id}", "GET", "/users", nil),
        ("GET /users/{id}", "GET", "/users/42/x", nil),
        ("ANY /x/{proxy+}", "DELETE", "/x/a/b/c", ["proxy": "a/b/c"]),
        ("ANY /x/{proxy+}", "GET", "/x", nil),
        ("ANY /x/{proxy+}", "GET", "/x/", nil),
        ("ANY /hello", "PATCH", "/hello", [:]),
        ("GET /", "GET", "/", [:]),
        ("GET /", "GET", "/a", nil),
        // Parameters are percent-decoded after the path is split at its "/".
        ("GET /users/{id}", "GET", "/users/a%20b", ["id": "a b"]),
        ("GET /users/{id}", "GET", "/users/a%2Fb", ["id": "a/b"]),
        ("GET /users/{id}", "GET", "/users/caf%C3%A9", ["id": "café"]),
        ("GET /users/{id}", "GET", "/users/100%", ["id": "100%"]),
        ("GET /users/{id}", "GET", "/users/a+b", ["id": "a+b"]),
        ("ANY /x/{proxy+}", "GET", "/x/a%20b/c", ["proxy": "a b/c"]),
        ("GET /caf%C3%A9", "GET", "/caf%C3%A9", [:]),
        ("$default", "DELETE", "/any/path", [:]),
        ("$default", "GET", "/", [:]),
    ])
    func matching(route: String, method: String, path: String, expected: [String: String]?) throws {
        #expect(try Route(parsing: route).match(method: method, path: path) == expected)
    }

    @Test("the route table picks the most specific route")
    func routeTable() throws {
        func function(_ name: String, _ routes: [String]) throws -> FunctionDefinition {
            FunctionDefinition(
                name: name, kind: .swift(productName: name), directory: "/f/\(name)",
                settings: FunctionSettings(), routes: try routes.map { try Route(parsing: $0) }
            )
        }
        let table = RouteTable([
            try function("catchall", ["ANY /{proxy+}"]),
            try function("users", ["GET /users/{id}", "ANY /users/me"]),
            try function("me", ["GET /users/me"]),
            try function("files", ["ANY /users/{id}/{path+}"]),
        ])
        #expect(table.match(method: "GET", path: "/users/me")?.function == "me")
        #expect(table.match(method: "POST", path: "/users/me")?.function == "users")
        #expect(table.match(method: "GET", path: "/users/7")?.pathParameters == ["id": "7"])
        #expect(table.match(method: "GET", path: "/users/7/a/b")?.function == "files")
        #expect(table.match(method: "GET", path: "/other")?.pathParameters == ["proxy": "other"])
        #expect(table.match(method: "GET", path: "/") == nil)
        #expect(table.routes.count == 5)
    }
}
