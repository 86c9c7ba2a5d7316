import ChildProcess
import Foundation
import ManagedPostgres
import PostgresNIO
import PostgresPool
import Synchronization
import Testing
import TestSupport

extension PostgresPoolTests {
    /// Real drivers that prepare named statements on their own, many clients over few
    /// server connections in transaction mode: they run without an error.
    @Suite struct Drivers {
        static let serverConnections = 3

        /// Runs a Python script with psycopg and asyncpg against `url` (then `arguments`, with
        /// `environment` added); returns what it printed.
        static func python(
            _ script: String, url: String, arguments: [String] = [], environment: [String: String] = [:]
        ) async throws -> String {
            let python = try await PythonEnvironment.shared.python(with: ["psycopg[binary]", "asyncpg"])
            let result = try await ChildProcess.run(
                ProcessSpec(
                    executable: python, arguments: ["-c", script, url] + arguments,
                    environment: environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { mine, _ in mine },
                    output: .pipe),
                timeout: .seconds(120))
            #expect(result.status.isSuccess, "\(result.output)")
            return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static let psycopgScript = """
            import sys, threading, psycopg
            url = sys.argv[1]
            pids, errors = set(), []
            def worker():
                try:
                    with psycopg.connect(url, prepare_threshold=0, autocommit=True) as conn:
                        for run in range(3):
                            for i in range(25):
                                value, pid = conn.execute("SELECT %s::int + 1, pg_backend_pid()", (i,)).fetchone()
                                assert value == i + 1, (value, i)
                                pids.add(pid)
                            conn.execute("DEALLOCATE ALL")
                except Exception as error:
                    errors.append(repr(error))
            threads = [threading.Thread(target=worker) for _ in range(12)]
            for thread in threads: thread.start()
            for thread in threads: thread.join()
            assert not errors, errors
            with psycopg.connect(url, prepare_threshold=0, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS psycopg_ddl", prepare=False)
                conn.execute("CREATE TABLE psycopg_ddl (a int)", prepare=False)
                conn.execute("INSERT INTO psycopg_ddl VALUES (1)", prepare=False)
                assert conn.execute("SELECT * FROM psycopg_ddl").fetchone() == (1,)
                # Another connection changes the table (psycopg forgets its statements after its own DDL).
                with psycopg.connect(url, autocommit=True) as other:
                    other.execute("ALTER TABLE psycopg_ddl ADD COLUMN b int DEFAULT 2")
                assert conn.execute("SELECT * FROM psycopg_ddl").fetchone() == (1, 2)
            print(len(pids))
            """

        static let asyncpgScript = """
            import asyncio, sys, asyncpg
            url = sys.argv[1]
            async def worker(pids):
                conn = await asyncpg.connect(url)
                try:
                    for run in range(3):
                        for i in range(25):
                            row = await conn.fetchrow("SELECT $1::int + 1 AS value, pg_backend_pid() AS pid", i)
                            assert row["value"] == i + 1, (row, i)
                            pids.add(row["pid"])
                        await conn.fetchval("SELECT count(*) FROM pg_class WHERE relname = $1", "pg_class")
                finally:
                    await conn.close()
            async def main():
                pids = set()
                await asyncio.gather(*[worker(pids) for _ in range(12)])
                conn = await asyncpg.connect(url)
                await conn.execute("DROP TABLE IF EXISTS asyncpg_ddl")
                await conn.execute("CREATE TABLE asyncpg_ddl (a int)")
                await conn.execute("INSERT INTO asyncpg_ddl VALUES (1)")
                assert list(await conn.fetchrow("SELECT * FROM asyncpg_ddl")) == [1]
                await conn.execute("ALTER TABLE asyncpg_ddl ADD COLUMN b int DEFAULT 2")
                assert list(await conn.fetchrow("SELECT * FROM asyncpg_ddl")) == [1, 2]
                await conn.close()
                print(len(pids))
            asyncio.run(main())
            """

        @Test(arguments: ["psycopg", "asyncpg"])
        func pythonDrivers(_ driver: String) async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = Self.serverConnections }) { pool, pooled async throws in
                let output = try await Self.python(driver == "psycopg" ? Self.psycopgScript : Self.asyncpgScript, url: pooled.url)
                // Clients really moved between server connections.
                #expect((Int(output) ?? 0) >= 2, "\(output)")
                let stats = await pool.stats()
                #expect(stats.serverConnections.peak <= Self.serverConnections)
                if driver == "asyncpg" {
                    // Statements prepared once per server connection serve every client (psycopg's
                    // DEALLOCATE ALL empties a server connection's statements, so it re-prepares).
                    #expect(stats.preparedStatements.clientParses > 2 * stats.preparedStatements.serverParses, "\(stats.preparedStatements)")
                }
                #expect(stats.preparedStatements.invalidations >= 1)
                #expect(stats.pinnedClients == 0 && stats.errors.protocol == 0 && stats.errors.serverLost == 0)
            }
        }

        struct AddOne: PostgresPreparedStatement {
            static let sql = "SELECT $1::int + 1, pg_backend_pid()"
            typealias Row = (Int, Int32)
            var value: Int

            func makeBindings() throws -> PostgresBindings {
                var bindings = PostgresBindings()
                bindings.append(value)
                return bindings
            }

            func decodeRow(_ row: PostgresRow) throws -> Row {
                try row.decode(Row.self)
            }
        }

        @Test func postgresNIOPreparedStatements() async throws {
            try await PoolHarness.withPool({ $0.maxServerConnections = Self.serverConnections }) { pool, pooled async throws in
                let pids = BackendPIDs()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<12 {
                        group.addTask {
                            try await PoolHarness.withConnection(pooled) { connection async throws in
                                for value in 0..<25 {
                                    for try await (sum, pid) in try await connection.execute(AddOne(value: value), logger: PoolHarness.logger) {
                                        #expect(sum == value + 1)
                                        pids.insert(pid)
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(pids.count >= 2)
                let stats = await pool.stats().preparedStatements
                #expect(stats.clientParses == 12 && stats.serverParses <= Self.serverConnections)
            }
        }
    }
}

/// The server backends seen, shared between concurrent clients.
final class BackendPIDs: Sendable {
    private let pids = Mutex<Set<Int32>>([])
    func insert(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    var count: Int { pids.withLock { $0.count } }
}
