import Foundation
import ChildProcess
import ManagedPostgres
import TestSupport

/// Runs pgbench as a process against `credentials`.
enum PgbenchRunner {
    struct Result {
        var status: TerminationStatus
        var output: String

        /// "number of transactions actually processed: N"
        var transactionsProcessed: Int? { number(after: "number of transactions actually processed: ") }
        /// "number of failed transactions: N" (0 when pgbench does not print the line).
        var failedTransactions: Int { number(after: "number of failed transactions: ") ?? 0 }
        /// "tps = N (without initial connection time)"
        var tps: Double? {
            guard let range = output.range(of: "tps = ") else { return nil }
            return Double(output[range.upperBound...].prefix { $0.isNumber || $0 == "." })
        }

        private func number(after label: String) -> Int? {
            guard let range = output.range(of: label) else { return nil }
            return Int(output[range.upperBound...].prefix { $0.isNumber })
        }
    }

    static func run(_ arguments: [String], credentials: DatabaseCredentials) async throws -> Result {
        var environment = credentials.libpqEnvironment
        environment["PGCONNECT_TIMEOUT"] = "20"
        let spec = ProcessSpec(
            executable: try PostgresBinaries.locate().pgbench,
            arguments: arguments,
            environment: environment,
            output: .pipe
        )
        let result = try await ChildProcess.run(spec, timeout: .seconds(120))
        return Result(status: result.status, output: result.output)
    }
}
