@testable import FunctionHost
import Testing

/// The database variables derived from an instance's URL, without sockets.
@Suite struct DatabaseAccessTests {
    @Test func theURLsPartsAreDecodedOnceIntoTheArticlesAndLibpqsVariables() {
        let access = DatabaseAccess(
            url: "postgresql://app%40team:p%2541ss%3Aw%2Fd@127.0.0.1:6432/my%20db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.crt&application_name=fn%2Fab12",
            httpURL: nil, transport: .tcp)
        let env = access.environment
        #expect(env["DATABASE_PROXY_URL"] == env["DATABASE_URL"])
        #expect(env["DB_HOST"] == "127.0.0.1" && env["PGHOST"] == "127.0.0.1")
        #expect(env["DB_PORT"] == "6432" && env["PGPORT"] == "6432")
        #expect(env["DB_USER"] == "app@team" && env["PGUSER"] == "app@team")
        #expect(env["DB_PASSWORD"] == "p%41ss:w/d" && env["PGPASSWORD"] == "p%41ss:w/d", "decoded once: %25 is a literal %")
        #expect(env["DB_NAME"] == "my db" && env["PGDATABASE"] == "my db")
        #expect(env["PGAPPNAME"] == "fn/ab12")
        #expect(env["PGSSLMODE"] == "verify-full" && env["PGSSLROOTCERT"] == "/tmp/ca.crt")
        #expect(env["DATABASE_HTTP_URL"] == nil)
    }

    @Test func withoutAPathTheDatabaseIsTheUsersAndThePortDefaultsTo5432() {
        let env = DatabaseAccess(url: "postgres://alice:secret@db.local", httpURL: "http://127.0.0.1:4444/sql", transport: .http).environment
        #expect(env["DB_NAME"] == "alice" && env["DB_PORT"] == "5432")
        #expect(env["DATABASE_HTTP_URL"] == "http://127.0.0.1:4444/sql" && env["DATABASE_TRANSPORT"] == "http")
        #expect(env["PGAPPNAME"] == nil && env["PGSSLMODE"] == nil)
    }
}
