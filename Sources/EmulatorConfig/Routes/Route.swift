import Foundation

/// An HTTP route of a function, API Gateway style: a method (or `ANY`) and a
/// path of literal, `{parameter}` and trailing `{name+}` segments, e.g.
/// `GET /users/{id}` or `ANY /files/{proxy+}`; or API Gateway's `$default`
/// route, which serves every request no other route matches.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// The upper-case method, or nil for `ANY` (and for `$default`).
    public var method: String?
    /// Whether this is the `$default` route: any method, any path, chosen last.
    public var isDefault = false
    /// The path as written, e.g. `/users/{id}`.
    public var path: String
    /// The path's segments; empty for `/`.
    public var segments: [RouteSegment]

    /// The methods a route may name (besides `ANY`).
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Parses a route key: a method (`GET`, `POST`, ..., or `ANY`; any case),
    /// one or more spaces, and a path starting with `/`.
    public init(parsing text: String) throws(RouteSyntaxError) {
        if text.trimmingCharacters(in: .whitespaces) == Self.defaultRouteKey {
            self = Self.catchAll
            return
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw RouteSyntaxError(route: text, reason: "expected \"METHOD /path\", e.g. \"GET /users/{id}\", or \"$default\"")
        }
        let method = parts[0].uppercased()
        guard method == "ANY" || Self.methods.contains(method) else {
            throw RouteSyntaxError(
                route: text,
                reason: "unknown method \"\(parts[0])\"; use ANY or one of \(Self.methods.sorted().joined(separator: ", "))"
            )
        }
        self.method = method == "ANY" ? nil : method
        self.path = String(parts[1])
        self.segments = try Self.parseSegments(of: path, route: text)
    }

    /// Creates a route from parts already checked; `method` nil means `ANY`.
    public init(method: String?, segments: [RouteSegment]) {
        self.method = method
        self.segments = segments
        self.path = "/" + segments.map(\.description).joined(separator: "/")
    }

    /// The route key of API Gateway's catch-all route.
    public static let defaultRouteKey = "$default"

    /// The `$default` route: serves every request no other route matches.
    public static var catchAll: Route {
        var route = Route(method: nil, segments: [])
        route.isDefault = true
        return route
    }

    /// The route key as API Gateway writes it: `GET /users/{id}`, `ANY /x/{proxy+}`, `$default`.
    public var routeKey: String { isDefault ? Self.defaultRouteKey : "\(method ?? "ANY") \(path)" }

    /// Same as ``routeKey``.
    public var description: String { routeKey }

    /// Routes with the same shape collide: same method and the same segments,
    /// whatever their parameters are called (`/a/{id}` and `/a/{name}`).
    public var shape: String {
        if isDefault { return Self.defaultRouteKey }
        let shapePath = segments.map { segment -> String in
            switch segment {
            case .literal(let text): return text
            case .parameter: return "{}"
            case .greedy: return "{+}"
            }
        }
        return "\(method ?? "ANY") /" + shapePath.joined(separator: "/")
    }

    private static func parseSegments(of path: String, route: String) throws(RouteSyntaxError) -> [RouteSegment] {
        guard path.hasPrefix("/") else {
            throw RouteSyntaxError(route: route, reason: "the path must start with \"/\"")
        }
        if path == "/" { return [] }
        let pieces = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [RouteSegment] = []
        var parameterNames: Set<String> = []
        for (position, piece) in pieces.enumerated() {
            let segment = try parseSegment(piece, route: route)
            if case .greedy = segment, position != pieces.count - 1 {
                throw RouteSyntaxError(route: route, reason: "a greedy segment \"\(piece)\" must be the last one")
            }
            if let name = segment.parameterName, !parameterNames.insert(name).inserted {
                throw RouteSyntaxError(route: route, reason: "the parameter {\(name)} appears twice")
            }
            segments.append(segment)
        }
        return segments
    }

    private static func parseSegment(_ piece: Substring, route: String) throws(RouteSyntaxError) -> RouteSegment {
        if piece.isEmpty {
            throw RouteSyntaxError(route: route, reason: "empty path segment (a doubled or trailing \"/\")")
        }
        guard piece.hasPrefix("{") else {
            guard !piece.contains("{"), !piece.contains("}") else {
                throw RouteSyntaxError(route: route, reason: "a parameter must be a whole segment, like /{id}, not \"\(piece)\"")
            }
            guard piece.unicodeScalars.allSatisfy(isLiteralCharacter) else {
                throw RouteSyntaxError(route: route, reason: "\"\(piece)\" has a character that is not allowed in a path")
            }
            return .literal(String(piece))
        }
        guard piece.hasSuffix("}"), piece.count > 2 else {
            throw RouteSyntaxError(route: route, reason: "unclosed or empty parameter \"\(piece)\"")
        }
        var name = piece.dropFirst().dropLast()
        let greedy = name.hasSuffix("+")
        if greedy { name = name.dropLast() }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(isNameCharacter) else {
            throw RouteSyntaxError(
                route: route,
                reason: "parameter name \"\(name)\" must be letters, digits, \"_\" or \"-\""
            )
        }
        return greedy ? .greedy(String(name)) : .parameter(String(name))
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "_" || scalar == "-"
    }

    /// Unreserved and sub-delimiter characters of RFC 3986, plus `:`, `@` and `%`.
    private static func isLiteralCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isNameCharacter(scalar) || "._~!$&'()*+,;=:@%".unicodeScalars.contains(scalar)
    }
}

/// One segment of a route's path.
public enum RouteSegment: Sendable, Hashable, CustomStringConvertible {
    /// Text that must match exactly (`users`).
    case literal(String)
    /// `{name}`: any one non-empty segment, captured as a path parameter.
    case parameter(String)
    /// `{name+}`: the rest of the path (one or more segments), captured; last only.
    case greedy(String)

    /// The parameter's name, or nil for a literal.
    public var parameterName: String? {
        switch self {
        case .literal: return nil
        case .parameter(let name), .greedy(let name): return name
        }
    }

    /// The segment as written in a route.
    public var description: String {
        switch self {
        case .literal(let text): return text
        case .parameter(let name): return "{\(name)}"
        case .greedy(let name): return "{\(name)+}"
        }
    }
}

/// A route string that is not `METHOD /path` with valid segments.
public struct RouteSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The route text as written.
    public var route: String
    /// What is wrong with it.
    public var reason: String

    /// Creates the error for `route`.
    public init(route: String, reason: String) {
        self.route = route
        self.reason = reason
    }

    /// `invalid route "…": reason`.
    public var description: String { "invalid route \"\(route)\": \(reason)" }
}
