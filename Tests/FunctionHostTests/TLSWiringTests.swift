import ChildProcess
import Foundation
import LocalTLS
import ManagedPostgres
import Testing
import TestSupport

/// TLS through `serve`: the emulator's own CA under `.emulator/tls/`, `pool.tls`,
/// `emulator url --tls`, the managed PostgreSQL's TLS, and a TLS-only `database.url`.
@Suite struct TLSWiringTests {
    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (ok: Bool, output: String) {
        var variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10"]
        variables.merge(environment) { $1 }
        let result = try await ChildProcess.run(
            ProcessSpec(executable: executable, arguments: arguments, environment: variables, output: .pipe), timeout: .seconds(60))
        return (result.status == .exited(0), result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func emulator(_ arguments: [String]) async throws -> (ok: Bool, output: String) {
        try await run(HostProcess.binDirectory + "/emulator", arguments)
    }

    private func psql(_ url: String, _ sql: String, environment: [String: String] = [:]) async throws -> (ok: Bool, output: String) {
        try await run(try PostgresBinaries.locate().psql, [url, "-XAtqc", sql], environment: environment)
    }

    private func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func poolRequiresTLSAndURLPrintsAVerifyingURL() async throws {
        let databasePort = try freePort()
        let poolPort = try freePort()
        let project = try TestProject(
            functions: ["echo": ["handler": "echo"]],
            extra: [
                "database": ["managed": ["port": databasePort, "maxConnections": 20]],
                "pool": ["port": poolPort, "maxServerConnections": 3, "tls": "require"],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let tlsDirectory = project.directory + "/.emulator/tls"
        #expect(try mode(tlsDirectory + "/ca.key") == 0o600)
        #expect(try mode(tlsDirectory + "/server.key") == 0o600)

        let verifying = try await emulator(["url", "--tls", "--config", project.configFile])
        #expect(verifying.ok, "\(verifying.output)")
        let caPath = URL(fileURLWithPath: tlsDirectory + "/ca.crt").standardizedFileURL.path
        #expect(verifying.output.hasSuffix("@127.0.0.1:\(poolPort)/app?sslmode=verify-full&sslrootcert=\(caPath)"), "\(verifying.output)")
        let info = try await psql(verifying.output, "\\conninfo")
        #expect(info.ok && info.output.contains("SSL connection"), "\(info.output)")
        #expect(try await psql(verifying.output, "SELECT 40 + 2").output == "42")

        // A plain client is told what to set.
        let pooled = try await emulator(["url", "--config", project.configFile]).output
        let plain = try await psql(pooled, "SELECT 1", environment: ["PGSSLMODE": "disable"])
        #expect(!plain.ok && plain.output.contains("pool.tls"), "\(plain.output)")

        // The managed PostgreSQL speaks TLS with a certificate from the same CA.
        let direct = try await emulator(["url", "--direct", "--config", project.configFile]).output
        let directInfo = try await psql(direct, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                                        environment: ["PGSSLMODE": "verify-full", "PGSSLROOTCERT": caPath])
        #expect(directInfo.ok && directInfo.output == "t", "\(directInfo.output)")

        // The pool's own connections to the managed database are encrypted too.
        let serverSide = try await psql(verifying.output, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(serverSide.output == "t", "\(serverSide.output)")
        #expect(try await host.request("GET", "/echo").status == 200)

        // Churn in the stats: each direct connection is a new backend the database counts.
        func opened() async throws -> Int? {
            let (_, stats) = try await host.json("GET", "/_emulator/stats")
            return (stats["database"] as? [String: Any])?["connectionsOpened"] as? Int
        }
        var before: Int?
        _ = await HostProcess.eventually { before = try? await opened(); return before != nil }
        let baseline = try #require(before)
        for _ in 0..<3 {
            #expect(try await psql(direct, "SELECT 1").ok)
        }
        let counted = await HostProcess.eventually { (try? await opened()).map { $0 >= baseline + 3 } ?? false }
        let after = try await opened()
        #expect(counted, "connectionsOpened went from \(baseline) to \(String(describing: after))")
        let (_, stats) = try await host.json("GET", "/_emulator/stats")
        #expect((stats["database"] as? [String: Any])?["newConnectionsPerSecond"] is NSNumber)
    }

    @Test func tlsOnlyDatabaseURLWithVerifyFull() async throws {
        let directory = try makeTemporaryDirectory(prefix: "serve-tls")
        defer { removeDirectory(directory) }
        let authority = try LocalCertificateAuthority.loadOrCreate(
            in: directory + "/database-ca", serverNames: ["127.0.0.1"], commonName: "Test database CA")
        let other = try LocalCertificateAuthority.loadOrCreate(in: directory + "/other-ca")
        try await withTemporaryCluster { cluster in
            let endpoints = try await cluster.server(tls: ManagedPostgresTLS(
                certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath, requireTLS: true)).start()
            let app = endpoints.application
            let base = "postgresql://\(app.user):\(app.password)@127.0.0.1:\(app.port)/\(app.database)?sslmode=verify-full&sslrootcert="

            let project = try TestProject(
                functions: ["echo": ["handler": "echo"]],
                extra: ["database": ["url": base + authority.caCertificatePath], "pool": ["port": try freePort()], "mode": "direct"])
            let host = try await HostProcess.start(configFile: project.configFile)
            let pooled = try await emulator(["url", "--config", project.configFile]).output
            let through = try await psql(pooled, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            #expect(through.ok && through.output == "t", "\(through.output)")
            // Direct-mode instances get the URL's TLS parameters, in the URL and as PG* variables.
            let echoed = try JSONSerialization.jsonObject(with: try await host.request("GET", "/echo").body) as! [String: Any]
            let environment = try #require(echoed["env"] as? [String: String])
            #expect(environment["DATABASE_URL"]?.contains("sslmode=verify-full&sslrootcert=\(authority.caCertificatePath)") == true)
            #expect(environment["PGSSLMODE"] == "verify-full")
            #expect(environment["PGSSLROOTCERT"] == authority.caCertificatePath)

            // Another CA: a clear error at start naming the host and the reason; functions still serve.
            let wrong = try TestProject(
                functions: ["echo": ["handler": "echo"]],
                extra: ["database": ["url": base + other.caCertificatePath], "pool": ["port": try freePort()]])
            let refused = try await HostProcess.start(configFile: wrong.configFile)
            #expect(try await refused.request("GET", "/echo").status == 200)
            let found = await HostProcess.eventually {
                refused.log.contains("TLS with the database at 127.0.0.1:\(app.port) (sslmode=verify-full)")
                    && refused.log.contains("does not verify against sslrootcert=\(other.caCertificatePath)")
            }
            #expect(found, "\(refused.log)")
            #expect(!refused.log.contains(app.password))
        }
    }

    @Test func swiftFunctionsReachATLSOnlyDatabaseDirectlyWithVerifyFull() async throws {
        let directory = try makeTemporaryDirectory(prefix: "serve-tls-swift")
        defer { removeDirectory(directory) }
        let authority = try LocalCertificateAuthority.loadOrCreate(
            in: directory + "/database-ca", serverNames: ["127.0.0.1"], commonName: "Test database CA")
        try await withTemporaryCluster { cluster in
            let app = try await cluster.server(
                setupSQLFile: DatabaseFunctionTests.setupSQL,
                tls: ManagedPostgresTLS(
                    certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath, requireTLS: true)
            ).start().application
            let url = "postgresql://\(app.user):\(app.password)@127.0.0.1:\(app.port)/\(app.database)"
                + "?sslmode=verify-full&sslrootcert=\(authority.caCertificatePath)"
            for mode in ["direct", "pooled"] {
                let project = try TestProject(
                    functions: ["users": [:]], swiftFunctions: ["users"],
                    extra: ["database": ["url": url], "pool": ["port": try freePort()], "mode": mode])
                let host = try await HostProcess.start(configFile: project.configFile)
                let (status, object) = try await host.json("GET", "/users")
                #expect(status == 200, "\(mode): \(object)")
            }
        }
    }
}
