extension Route {
    /// The path parameters if this route serves `method` and `path`, else nil.
    ///
    /// `path` is the request path without the query string; a trailing `/`
    /// (other than the root) is ignored. Parameters are returned as they
    /// appear in the path (not percent-decoded); a greedy parameter gets the
    /// rest of the path joined with `/`.
    public func match(method requestMethod: String, path requestPath: String) -> [String: String]? {
        if let method, method != requestMethod.uppercased() { return nil }
        let pieces = Self.pathPieces(requestPath)
        var parameters: [String: String] = [:]
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard position < pieces.count, pieces[position] == text else { return nil }
            case .parameter(let name):
                guard position < pieces.count, !pieces[position].isEmpty else { return nil }
                parameters[name] = String(pieces[position])
            case .greedy(let name):
                let rest = pieces.dropFirst(position)
                guard !rest.isEmpty, !rest.contains(where: \.isEmpty) else { return nil }
                parameters[name] = rest.joined(separator: "/")
                return parameters
            }
        }
        return pieces.count == segments.count ? parameters : nil
    }

    /// How specific the route is, for choosing among several that match one
    /// request: compared segment by segment, literal beats `{parameter}`
    /// beats `{greedy+}`; on a tie a named method beats `ANY`.
    public static func isMoreSpecific(_ lhs: Route, than rhs: Route) -> Bool {
        for (left, right) in zip(lhs.segments, rhs.segments) {
            let (leftRank, rightRank) = (left.specificityRank, right.specificityRank)
            if leftRank != rightRank { return leftRank > rightRank }
        }
        if lhs.segments.count != rhs.segments.count { return lhs.segments.count > rhs.segments.count }
        return lhs.method != nil && rhs.method == nil
    }

    private static func pathPieces(_ path: String) -> [Substring] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return [] }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }
}

extension RouteSegment {
    fileprivate var specificityRank: Int {
        switch self {
        case .literal: return 2
        case .parameter: return 1
        case .greedy: return 0
        }
    }
}
