import Foundation

extension Route {
    /// The path parameters if this route serves `method` and `path`, else nil.
    ///
    /// `path` is the request path as sent, percent-encoded, without the query
    /// string; a trailing `/` (other than the root) is ignored. The path is
    /// split at its `/` first, then each segment is percent-decoded, as API
    /// Gateway HTTP APIs do: parameters are decoded (`a%20b` -> `a b`), and a
    /// greedy parameter gets the rest of the path, decoded, joined with `/`.
    /// `$default` matches every request, with no parameters.
    public func match(method requestMethod: String, path requestPath: String) -> [String: String]? {
        if isDefault { return [:] }
        if let method, method != requestMethod.uppercased() { return nil }
        let pieces = Self.pathPieces(requestPath).map(Self.percentDecoded)
        var parameters: [String: String] = [:]
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                // A literal written with %-escapes matches the segment they decode to.
                guard position < pieces.count, pieces[position] == (text.contains("%") ? Self.percentDecoded(text) : text) else { return nil }
            case .parameter(let name):
                guard position < pieces.count, !pieces[position].isEmpty else { return nil }
                parameters[name] = pieces[position]
            case .greedy(let name):
                let rest = pieces.dropFirst(position)
                guard !rest.isEmpty, !rest.contains(where: \.isEmpty) else { return nil }
                parameters[name] = rest.joined(separator: "/")
                return parameters
            }
        }
        return pieces.count == segments.count ? parameters : nil
    }

    /// `text` with its `%XX` escapes decoded as UTF-8; unchanged when they are
    /// not valid (a lone `%`, or bytes that are not UTF-8). `+` stays `+`: in a
    /// path it is not a space.
    public static func percentDecoded<Text: StringProtocol>(_ text: Text) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }

    /// How specific the route is, for choosing among several that match one
    /// request: compared segment by segment, literal beats `{parameter}`
    /// beats `{greedy+}`; on a tie a named method beats `ANY`. Every route
    /// beats `$default`.
    public static func isMoreSpecific(_ lhs: Route, than rhs: Route) -> Bool {
        if lhs.isDefault != rhs.isDefault { return rhs.isDefault }
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
