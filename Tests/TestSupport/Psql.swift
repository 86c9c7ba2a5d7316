import ChildProcess
import ManagedPostgres

/// What psql printed when it failed.
public struct PsqlError: Error, CustomStringConvertible {
    /// How psql ended.
    public let status: TerminationStatus
    /// Its standard output and error.
    public let output: String
    public var description: String { "psql failed (\(status)): \(output)" }
}

/// Runs `sql` with the real `psql` binary (`-X -A -t -v ON_ERROR_STOP=1 -c`),
/// connecting with `credentials` (password through `PGPASSWORD`). Returns the
/// unaligned, header-less output without the trailing newline; throws
/// ``PsqlError`` with psql's message when it fails, or when it has not
/// finished after two minutes (so a hung server fails the test, not the run).
public func psql(_ sql: String, credentials: DatabaseCredentials) async throws -> String {
    var environment = credentials.libpqEnvironment
    environment["PGCONNECT_TIMEOUT"] = "10"
    let spec = ProcessSpec(
        executable: try PostgresBinaries.locate().psql,
        arguments: ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        environment: environment,
        output: .pipe
    )
    let result = try await ChildProcess.run(spec, timeout: .seconds(120))
    guard result.status.isSuccess else { throw PsqlError(status: result.status, output: result.output) }
    var output = result.output
    while output.hasSuffix("\n") { output.removeLast() }
    return output
}
