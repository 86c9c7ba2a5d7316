import Testing
@testable import FunctionDatabase

@Suite("DATABASE_URL and PGAPPNAME from the environment")
struct EnvironmentTests {
    private func settings(_ variables: [String: String]) throws(DatabaseError) -> ConnectionSettings {
        try ConnectionSettings.fromEnvironment { variables[$0] }
    }

    @Test("DATABASE_URL is read from the environment")
    func readsURL() throws {
        let settings = try settings(["DATABASE_URL": "postgresql://app:secret@127.0.0.1:6432/shop"])
        #expect(settings == (try ConnectionSettings(url: "postgresql://app:secret@127.0.0.1:6432/shop")))
        #expect(settings.host == "127.0.0.1")
        #expect(settings.applicationName == nil)
    }

    @Test("a missing or empty DATABASE_URL is reported as missing, saying what to do", arguments: [
        [:], ["DATABASE_URL": ""], ["PGAPPNAME": "users/ab12cd34"],
    ])
    func missingURL(variables: [String: String]) throws {
        let error = try #require(throws: DatabaseError.self) { try settings(variables) }
        #expect(error == .missingURL)
        #expect(error.description.contains("DATABASE_URL is not set"))
    }

    @Test("PGAPPNAME is the application name when the URL names none")
    func pgAppNameFallback() throws {
        let settings = try settings([
            "DATABASE_URL": "postgresql://app:secret@127.0.0.1/shop",
            "PGAPPNAME": "orders/ff00ee11",
        ])
        #expect(settings.applicationName == "orders/ff00ee11")
    }

    @Test("application_name in the URL wins over PGAPPNAME")
    func urlApplicationNameWins() throws {
        let settings = try settings([
            "DATABASE_URL": "postgresql://app:secret@127.0.0.1/shop?application_name=users%2Fab12cd34",
            "PGAPPNAME": "orders/ff00ee11",
        ])
        #expect(settings.applicationName == "users/ab12cd34")
    }

    @Test("an empty PGAPPNAME sets no application name")
    func emptyPgAppName() throws {
        let settings = try settings(["DATABASE_URL": "postgresql://app:secret@127.0.0.1/shop", "PGAPPNAME": ""])
        #expect(settings.applicationName == nil)
    }

    @Test("a malformed DATABASE_URL is reported as invalid, not missing")
    func invalidURL() throws {
        let error = try #require(throws: DatabaseError.self) {
            try settings(["DATABASE_URL": "mysql://app:secret@127.0.0.1/shop"])
        }
        guard case .invalidURL = error else {
            Issue.record("expected .invalidURL, got \(error)")
            return
        }
    }
}
