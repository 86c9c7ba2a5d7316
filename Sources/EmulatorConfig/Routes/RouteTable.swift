/// Every route of every function, answering which function serves a request.
public struct RouteTable: Sendable {
    /// A function route that serves a request, with its path parameters.
    public struct Match: Sendable, Equatable {
        /// The function's name.
        public var function: String
        /// The route that matched.
        public var route: Route
        /// Path parameters by name (`{id}` -> `"42"`).
        public var pathParameters: [String: String]
    }

    private let entries: [(function: String, route: Route)]

    /// A table of the routes of `functions`.
    public init(_ functions: [FunctionDefinition]) {
        entries = functions.flatMap { function in function.routes.map { (function.name, $0) } }
    }

    /// Every (function, route) pair, in the order given.
    public var routes: [(function: String, route: Route)] { entries }

    /// The most specific route serving `method` and `path` (see
    /// ``Route/isMoreSpecific(_:than:)``), or nil: a 404.
    public func match(method: String, path: String) -> Match? {
        var best: Match?
        for entry in entries {
            guard let parameters = entry.route.match(method: method, path: path) else { continue }
            if let current = best, !Route.isMoreSpecific(entry.route, than: current.route) { continue }
            best = Match(function: entry.function, route: entry.route, pathParameters: parameters)
        }
        return best
    }
}
