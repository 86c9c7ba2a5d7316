#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Foundation
@testable import ManagedPostgres
import TestSupport
import Testing

/// Real servers in temporary directories, one cluster per test. Serialized:
/// each test runs initdb and a server, which is plenty for two cores.
@Suite("Managed PostgreSQL cluster", .serialized)
struct ClusterLifecycleTests {
    @Test func createsClusterAndAppRoleConnectsWithPassword() async throws {
        try await withTemporaryCluster { cluster in
            let endpoints = try await cluster.server().start()
            #expect(endpoints.application.user == "app")
            #expect(endpoints.application.database == "app")
            #expect(endpoints.application.port == cluster.port)
            #expect(endpoints.superuser.user == "postgres")
            #expect(endpoints.application.password != endpoints.superuser.password)

            let app = endpoints.application
            #expect(try await psql("SELECT current_user || '@' || current_database()", credentials: app) == "app@app")
            #expect(try await psql("CREATE TABLE t (x int); INSERT INTO t VALUES (7); SELECT x FROM t", credentials: app) == "7")

            let admin = endpoints.superuser
            #expect(try await psql("SELECT rolsuper FROM pg_roles WHERE rolname = 'app'", credentials: admin) == "f")
            #expect(try await psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'", credentials: admin) == "app")
            #expect(try await psql("SELECT count(*) FROM pg_authid WHERE rolpassword LIKE 'SCRAM-SHA-256$%'", credentials: admin) == "2")
            #expect(try await psql("SHOW superuser_reserved_connections", credentials: admin) == "3")
            #expect(try await psql("SHOW listen_addresses", credentials: admin) == "127.0.0.1")
            #expect(try await psql("SHOW unix_socket_directories", credentials: admin) == "")
        }
    }

    @Test func onlyPasswordLoginsAreAccepted() async throws {
        try await withTemporaryCluster { cluster in
            let endpoints = try await cluster.server().start()
            let rules = try await psql(
                "SELECT type || ' ' || address || ' ' || auth_method FROM pg_hba_file_rules ORDER BY line_number",
                credentials: endpoints.superuser)
            #expect(rules == "host 127.0.0.1 scram-sha-256\nhost ::1 scram-sha-256")

            var wrong = endpoints.application
            wrong.password = "not-the-password"
            let error = await #expect(throws: PsqlError.self) { try await psql("SELECT 1", credentials: wrong) }
            #expect(error?.output.contains("password authentication failed for user \"app\"") == true)
        }
    }

    @Test func restartReusesClusterDataAndPasswords() async throws {
        try await withTemporaryCluster { cluster in
            let first = cluster.server()
            let before = try await first.start()
            _ = try await psql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')", credentials: before.application)
            await first.stop()

            let after = try await cluster.server().start()
            #expect(after == before)
            #expect(try await psql("SELECT note FROM kept", credentials: after.application) == "still here")
        }
    }

    @Test func concurrentStartsShareOneServerAndConcurrentStopsWaitForExit() async throws {
        try await withTemporaryCluster { cluster in
            let server = cluster.server()
            #expect(try server.storedEndpoints() == nil)
            async let first = server.start()
            async let second = server.start()
            let (a, b) = try await (first, second)
            #expect(a == b)
            #expect(try server.storedEndpoints() == a)
            let pid = try #require(await server.serverProcessID)

            async let stopA: Void = server.stop()
            async let stopB: Void = server.stop()
            _ = await (stopA, stopB)
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
            #expect(try server.storedEndpoints() == a)
        }
    }

    @Test func changedMaxConnectionsAppliesOnNextStart() async throws {
        try await withTemporaryCluster { cluster in
            let first = cluster.server(maxConnections: 20)
            let endpoints = try await first.start()
            #expect(try await psql("SHOW max_connections", credentials: endpoints.superuser) == "20")
            await first.stop()

            let second = try await cluster.server(maxConnections: 27).start()
            #expect(try await psql("SHOW max_connections", credentials: second.superuser) == "27")
        }
    }

    @Test func stalePidFileOfDeadProcessIsRemoved() async throws {
        try await withTemporaryCluster { cluster in
            let first = cluster.server()
            _ = try await first.start()
            await first.stop()

            let finished = try await ChildProcess.spawn(ProcessSpec(executable: "/bin/true"))
            _ = await finished.waitForExit()
            try writeBogusPidFile(pid: finished.pid, dataDirectory: first.dataDirectory, port: cluster.port)

            let endpoints = try await cluster.server().start()
            #expect(try await psql("SELECT 1", credentials: endpoints.application) == "1")
        }
    }

    @Test func stalePidFileOfLiveNonPostgresProcessIsRemoved() async throws {
        try await withTemporaryCluster { cluster in
            let first = cluster.server()
            _ = try await first.start()
            await first.stop()

            // The test process itself: alive, but not a server on this data directory.
            try writeBogusPidFile(pid: getpid(), dataDirectory: first.dataDirectory, port: cluster.port)

            let endpoints = try await cluster.server().start()
            #expect(try await psql("SELECT 1", credentials: endpoints.application) == "1")
        }
    }

    @Test func startAfterServerWasKilledRecovers() async throws {
        try await withTemporaryCluster { cluster in
            let server = cluster.server()
            let before = try await server.start()
            // The test settings turn synchronous_commit off; this commit must reach the WAL before the kill.
            _ = try await psql(
                "SET synchronous_commit = on; CREATE TABLE survivors (x int); INSERT INTO survivors VALUES (1)",
                credentials: before.application)
            let pid = try #require(await server.serverProcessID)
            #expect(kill(pid, SIGKILL) == 0)
            while await server.serverProcessID != nil { try await Task.sleep(for: .milliseconds(20)) }

            let after = try await server.start()
            #expect(await server.serverProcessID != pid)
            #expect(try await psql("SELECT x FROM survivors", credentials: after.application) == "1")
        }
    }

    @Test func secondServerOnRunningClusterNamesThePid() async throws {
        try await withTemporaryCluster { cluster in
            let first = cluster.server()
            _ = try await first.start()
            let pid = try #require(await first.serverProcessID)

            let error = await #expect(throws: ManagedPostgresError.self) { try await cluster.server().start() }
            #expect(error == .alreadyRunning(pid: pid, dataDirectory: first.dataDirectory))
            #expect(error?.description.contains("(pid \(pid))") == true)
            #expect(await first.serverProcessID == pid)
        }
    }

    @Test func setupSQLIsAppliedOnceAsApp() async throws {
        try await withTemporaryCluster { cluster in
            let setup = "\(cluster.stateDirectory)/setup.sql"
            // Idempotent on purpose: applying it twice would double the rows.
            try """
                CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY, name text NOT NULL);
                INSERT INTO users (name) VALUES ('ada'), ('grace');
                """.write(toFile: setup, atomically: true, encoding: .utf8)

            let first = cluster.server(setupSQLFile: setup)
            let endpoints = try await first.start()
            #expect(try await psql("SELECT count(*) FROM users", credentials: endpoints.application) == "2")
            #expect(try await psql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", credentials: endpoints.application) == "app")
            await first.stop()

            let again = try await cluster.server(setupSQLFile: setup).start()
            #expect(try await psql("SELECT count(*) FROM users", credentials: again.application) == "2")
        }
    }

    @Test func failingSetupSQLShowsPsqlMessageAndIsRetried() async throws {
        try await withTemporaryCluster { cluster in
            let setup = "\(cluster.stateDirectory)/setup.sql"
            try "CREATE TABLE first (x int);\nSELEC oops;\n".write(toFile: setup, atomically: true, encoding: .utf8)

            let failing = cluster.server(setupSQLFile: setup)
            let error = await #expect(throws: ManagedPostgresError.self) { try await failing.start() }
            guard case .setupFailed(let path, let output) = error else {
                Issue.record("expected setupFailed, got \(String(describing: error))")
                return
            }
            #expect(path == setup)
            #expect(output.contains("syntax error at or near \"SELEC\""))
            #expect(error?.description.contains("the next start tries again") == true)
            #expect(!FileManager.default.fileExists(atPath: failing.dataDirectory))
            #expect(await failing.serverProcessID == nil)

            try "CREATE TABLE first (x int);\nINSERT INTO first VALUES (1);\n".write(toFile: setup, atomically: true, encoding: .utf8)
            let endpoints = try await cluster.server(setupSQLFile: setup).start()
            #expect(try await psql("SELECT x FROM first", credentials: endpoints.application) == "1")
        }
    }

    @Test func missingSetupFileIsAClearError() async throws {
        try await withTemporaryCluster { cluster in
            let missing = "\(cluster.stateDirectory)/nope.sql"
            let error = await #expect(throws: ManagedPostgresError.self) {
                try await cluster.server(setupSQLFile: missing).start()
            }
            #expect(error == .setupFileUnreadable(path: missing))
        }
    }

    @Test func passwordFileIsPrivate() async throws {
        try await withTemporaryCluster { cluster in
            let endpoints = try await cluster.server().start()
            let path = "\(cluster.stateDirectory)/credentials.json"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let stored = try ClusterPasswords.load(from: path)
            #expect(stored.application == endpoints.application.password)
            #expect(stored.superuser == endpoints.superuser.password)
        }
    }

    @Test func serverProcessIsGoneAfterStop() async throws {
        try await withTemporaryCluster { cluster in
            let server = cluster.server()
            let endpoints = try await server.start()
            let pid = try #require(await server.serverProcessID)
            #expect(kill(pid, 0) == 0)

            await server.stop()
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
            #expect(await server.serverProcessID == nil)
            #expect(!FileManager.default.fileExists(atPath: "\(server.dataDirectory)/postmaster.pid"))
            await #expect(throws: PsqlError.self) { try await psql("SELECT 1", credentials: endpoints.application) }
        }
    }

    @Test func portInUseGivesTheServerLog() async throws {
        try await withTemporaryCluster { cluster in
            let blocker = try listen(on: cluster.port)
            defer { close(blocker) }
            let error = await #expect(throws: ManagedPostgresError.self) { try await cluster.server().start() }
            guard case .serverExited(_, let log) = error else {
                Issue.record("expected serverExited, got \(String(describing: error))")
                return
            }
            #expect(log.contains { $0.contains("could not bind IPv4 address \"127.0.0.1\"") })
        }
    }

    @Test(.enabled(if: geteuid() == 0, "only a root host switches to the postgres account"))
    func rootHostRunsServerAsPostgresAccount() async throws {
        try await withTemporaryCluster { cluster in
            let account = try #require(ProcessUser.named("postgres"))
            let server = cluster.server()
            _ = try await server.start()
            let pid = try #require(await server.serverProcessID)

            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }
            let uids = uidLine?.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map { UInt32($0) }
            #expect(uids == [account.uid, account.uid, account.uid, account.uid])

            let data = try FileManager.default.attributesOfItem(atPath: server.dataDirectory)
            #expect((data[.ownerAccountID] as? NSNumber)?.uint32Value == account.uid)
            #expect((data[.posixPermissions] as? Int) == 0o700)
            let passwords = try FileManager.default.attributesOfItem(atPath: "\(cluster.stateDirectory)/credentials.json")
            #expect((passwords[.ownerAccountID] as? NSNumber)?.uint32Value == 0)
        }
    }

    @Test(.enabled(if: geteuid() == 0, "only a root host switches to the postgres account"))
    func unreachableDataDirectoryIsAClearError() async throws {
        let outer = try makeTemporaryDirectory(prefix: "emulator-closed")
        defer { removeDirectory(outer) }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: outer)
        let server = ManagedPostgres(
            configuration: TestDatabase.configuration(
                stateDirectory: "\(outer)/state", port: try freePort(), maxConnections: 10),
            logger: TestDatabase.logger)
        let error = await #expect(throws: ManagedPostgresError.self) { try await server.start() }
        #expect(error == .directoryNotTraversable(directory: outer, account: "postgres"))
    }

    private func writeBogusPidFile(pid: Int32, dataDirectory: String, port: Int) throws {
        let contents = "\(pid)\n\(dataDirectory)\n1700000000\n\(port)\n\n127.0.0.1\n  5432001   1234567\nready   \n"
        try contents.write(toFile: "\(dataDirectory)/postmaster.pid", atomically: true, encoding: .utf8)
    }

    private func listen(on port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, 1) == 0 else {
            throw TestSupportError("cannot listen on \(port): \(String(cString: strerror(errno)))")
        }
        return fd
    }
}
