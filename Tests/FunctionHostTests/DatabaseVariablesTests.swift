import Foundation
import Testing
import TestSupport

/// The database variables of every instance: `DATABASE_URL`, the article's
/// `DATABASE_PROXY_URL` and `DB_*`, libpq's `PG*`, following the mode.
@Suite struct DatabaseVariablesTests {
    @Test func everyInstanceGetsTheArticlesAndLibpqsVariablesFollowingTheMode() async throws {
        let (databasePort, poolPort) = (try freePort(), try freePort())
        let project = try TestProject(
            functions: ["vars": [:]],
            sources: ["vars": ["handler.py": """
                import os, subprocess

                NAMES = ["DATABASE_URL", "DATABASE_PROXY_URL", "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME",
                         "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGAPPNAME"]

                def handle(event, context):
                    # psql with no arguments at all: libpq takes everything from the PG* variables.
                    psql = subprocess.run(
                        ["psql", "-AtX", "-c", "SELECT current_user || ' ' || current_database() || ' ' || current_setting('application_name')"],
                        capture_output=True, text=True)
                    return {"env": {name: os.environ[name] for name in NAMES if name in os.environ},
                            "psql": psql.stdout.strip() or psql.stderr.strip()}
                """]],
            extra: [
                "database": ["managed": ["port": databasePort, "maxConnections": 20]],
                "pool": ["port": poolPort],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)

        for (mode, port) in [("pooled", poolPort), ("direct", databasePort)] {
            if mode == "direct" {
                #expect(try await host.json("POST", "/_emulator/mode", body: Data(#"{"mode":"direct"}"#.utf8)).status == 200)
            }
            let (status, body) = try await host.json("GET", "/vars")
            #expect(status == 200, "\(host.log)")
            let env = try #require(body["env"] as? [String: String], "\(body)")
            let url = try #require(env["DATABASE_URL"])
            let components = try #require(URLComponents(string: url))
            #expect(components.port == port, "\(mode): \(url)")
            #expect(env["DATABASE_PROXY_URL"] == url, "\(mode)")
            #expect(env["DB_HOST"] == components.host && env["PGHOST"] == components.host, "\(mode)")
            #expect(env["DB_PORT"] == String(port) && env["PGPORT"] == String(port), "\(mode)")
            #expect(env["DB_USER"] == components.user && env["PGUSER"] == components.user, "\(mode)")
            #expect(env["DB_PASSWORD"] == components.password && env["PGPASSWORD"] == components.password, "\(mode)")
            let database = String(components.path.dropFirst())
            #expect(env["DB_NAME"] == database && env["PGDATABASE"] == database, "\(mode)")
            let applicationName = try #require(env["PGAPPNAME"])
            #expect(applicationName.hasPrefix("vars/"), "\(mode)")
            let psql = try #require(body["psql"] as? String, "\(body)")
            #expect(psql.hasPrefix("\(components.user ?? "") \(database) "), "\(mode): \(psql)")
            if mode == "direct" {
                // Straight to the database, libpq's PGAPPNAME names the backend for the instance.
                #expect(psql == "\(components.user ?? "") \(database) \(applicationName)", "\(psql)")
            }
        }
    }
}
