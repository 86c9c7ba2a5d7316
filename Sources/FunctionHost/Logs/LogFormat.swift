/// How the host writes its log lines.
public enum LogFormat: String, Sendable, CaseIterable {
    /// Lines as a developer reads them: `[users/6d20d192] START RequestId: ...`.
    case text
    /// One JSON object per line: `{"time":...,"level":...,"source":...,"message":...}`.
    case json
}
