/// What a statement does to the session beyond its transaction, found from its first
/// words (and, for queries that may call advisory-lock functions, a scan for them).
enum SessionEffect: Equatable {
    case none
    /// Leaves state that ties the client to its server connection.
    case pin(PinReason)
    /// Clears state that pinned the client (once it succeeds outside a transaction).
    case release(PinReasons)
    /// `SET` of a setting the pool carries but PostgreSQL does not report
    /// (`search_path`, `statement_timeout`, ...): the pool reads the new value back.
    case trackedSetting
    /// `RESET name` (canonical name), or `RESET ALL` (nil): the database goes back to its
    /// defaults, the client expects its startup values.
    case reset(String?)
    /// `DEALLOCATE name`, alone in its query.
    case deallocate(name: String)
    /// `DEALLOCATE ALL`.
    case deallocateAll
    /// `DISCARD ALL`.
    case discardAll

    /// The effect of the (first) statement in `sql`, a Parse's text without its terminator.
    static func of(_ sql: UnsafeRawBufferPointer) -> SessionEffect {
        var reader = SQLReader(sql)
        return of(&reader)
    }

    /// The effects of each statement in `sql`, a Query's text; `.none` ones are left out.
    static func each(in sql: UnsafeRawBufferPointer) -> [SessionEffect] {
        var reader = SQLReader(sql)
        var effects: [SessionEffect] = []
        repeat {
            let effect = of(&reader)
            if effect != .none { effects.append(effect) }
        } while reader.skipStatement() && !reader.atEnd()
        return effects
    }

    private static func of(_ reader: inout SQLReader) -> SessionEffect {
        if reader.take("select") || reader.take("with") || reader.take("values") || reader.take("call") || reader.take("do") {
            // pg_advisory_lock, pg_advisory_lock_shared, pg_try_advisory_lock(_shared); not the _xact_ ones.
            guard reader.restContains("advisory_") else { return .none }
            if reader.restContains("advisory_unlock_all") { return .release(PinReasons(.advisoryLock)) }
            return reader.restContains("advisory_lock") ? .pin(.advisoryLock) : .none
        }
        if reader.take("set") { return setEffect(&reader) }
        if reader.take("reset") {
            if reader.take("all") { return .reset(nil) }
            if reader.take("time") { return reader.take("zone") ? .reset("TimeZone") : .none }
            guard let name = reader.identifier() else { return .none }
            return .reset(SessionParameters.canonical(name))
        }
        if reader.take("listen") { return .pin(.listen) }
        if reader.take("unlisten") { return reader.take(symbol: UInt8(ascii: "*")) ? .release(PinReasons(.listen)) : .none }
        if reader.take("prepare") { return reader.take("transaction") ? .none : .pin(.prepare) }
        if reader.take("deallocate") {
            _ = reader.take("prepare")
            if reader.take("all") { return .deallocateAll }
            guard let name = reader.identifier(), reader.atEnd() else { return .none }
            return .deallocate(name: name)
        }
        if reader.take("discard") {
            if reader.take("all") { return .discardAll }
            return reader.take("temp") || reader.take("temporary") ? .release(PinReasons(.temporaryTable)) : .none
        }
        if reader.take("declare") { return declareEffect(&reader) }
        if reader.take("create") {
            if reader.take("or") { _ = reader.take("replace") }
            if !reader.take("global") { _ = reader.take("local") }
            guard reader.take("temp") || reader.take("temporary") else { return .none }
            return reader.restContains("on commit drop") ? .none : .pin(.temporaryTable)
        }
        if reader.take("close") { return reader.take("all") ? .release(PinReasons(.holdCursor)) : .none }
        return .none
    }

    private static func setEffect(_ reader: inout SQLReader) -> SessionEffect {
        if reader.take("local") || reader.take("transaction") || reader.take("constraints") { return .none }
        if reader.take("session") {
            if reader.take("characteristics") || reader.take("authorization") { return .pin(.setting) }
        }
        // Reported settings (`TIME ZONE`, `NAMES` is client_encoding) come back as ParameterStatus.
        if reader.take("time") {
            _ = reader.take("zone")
            return reader.take("default") || reader.take("local") ? .reset("TimeZone") : .none
        }
        if reader.take("names") { return .none }
        if reader.take("schema") { return .trackedSetting }
        guard let name = reader.identifier() else { return .none }
        let canonical = SessionParameters.canonical(name)
        // `SET name TO DEFAULT` is `RESET name`.
        if reader.take("to") || reader.take(symbol: UInt8(ascii: "=")), reader.take("default") { return .reset(canonical) }
        if SessionParameters.reportedTracked.contains(canonical) { return .none }
        if SessionParameters.unreportedTracked.contains(canonical) { return .trackedSetting }
        return .pin(.setting)
    }

    /// `DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR [WITH|WITHOUT HOLD] FOR ...`
    private static func declareEffect(_ reader: inout SQLReader) -> SessionEffect {
        for _ in 0..<8 {
            if reader.take("for") { return .none }
            if reader.take("with") { return reader.take("hold") ? .pin(.holdCursor) : .none }
            guard reader.skipToken() else { return .none }
        }
        return .none
    }
}
