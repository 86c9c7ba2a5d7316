import Foundation
import ChildProcess

/// Runs SQL files through `psql`, stopping at the first error.
struct Psql {
    let binaries: PostgresBinaries

    /// Runs `file` with `credentials`; returns whether it succeeded and what psql printed.
    func run(file: String, credentials: DatabaseCredentials) async throws -> (succeeded: Bool, output: String) {
        var environment = credentials.libpqEnvironment
        environment["PGCONNECT_TIMEOUT"] = "10"
        let spec = ProcessSpec(
            executable: binaries.psql,
            arguments: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file],
            environment: environment,
            output: .pipe
        )
        let result = try await ChildProcess.run(spec)
        return (result.status.isSuccess, result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
