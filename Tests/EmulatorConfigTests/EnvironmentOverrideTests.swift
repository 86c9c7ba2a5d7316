import EmulatorConfig
import Testing

@Suite("Host environment")
struct EnvironmentOverrideTests {
    @Test("DATABASE_URL fills database.url when runtime.json leaves it null")
    func fillsNullURL() throws {
        let project = try TemporaryProject()
        let config = try project.load(#"{"database": {"url": null, "managed": {"port": 55555}}}"#)
        let applied = try config.applyingEnvironment(["DATABASE_URL": "postgres://u:p@127.0.0.1:5432/app"])
        #expect(applied.database?.url == "postgres://u:p@127.0.0.1:5432/app")
        #expect(applied.database?.managed.port == 55555)
    }

    @Test("a url in runtime.json wins over DATABASE_URL")
    func configWins() throws {
        let project = try TemporaryProject()
        let config = try project.load(#"{"database": {"url": "postgresql://a@db/x"}}"#)
        let applied = try config.applyingEnvironment(["DATABASE_URL": "postgres://b@other/y"])
        #expect(applied.database?.url == "postgresql://a@db/x")
    }

    @Test("\"database\": null stays without a database; no or empty DATABASE_URL changes nothing")
    func nothingToApply() throws {
        let project = try TemporaryProject()
        let none = try project.load(#"{"database": null}"#)
        #expect(try none.applyingEnvironment(["DATABASE_URL": "postgres://b@other/y"]) == none)
        let managed = try project.load("{}")
        #expect(try managed.applyingEnvironment([:]) == managed)
        #expect(try managed.applyingEnvironment(["DATABASE_URL": ""]) == managed)
    }

    @Test("a DATABASE_URL that is not a PostgreSQL URL is an error naming the variable, without its password")
    func invalidURL() throws {
        let project = try TemporaryProject()
        let config = try project.load("{}")
        let error = #expect(throws: ConfigError.self) {
            try config.applyingEnvironment(["DATABASE_URL": "mysql://root:hunter2@localhost/db"])
        }
        #expect(error?.file.hasPrefix("DATABASE_URL") == true)
        #expect(error?.description.contains("hunter2") == false)
    }
}
