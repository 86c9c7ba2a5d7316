@testable import PostgresPool
import Testing

extension PostgresPoolTests {
    /// The pure logic behind issue 21's settings fixes, without sockets: how a statement
    /// is read, how an encoding name is spelled, what the pool sends after a RESET.
    @Suite struct SessionLogic {
        static func effects(_ sql: String) -> [SessionEffect] {
            Array(sql.utf8).withUnsafeBytes { SessionEffect.each(in: $0) }
        }

        @Test func resetIsReadWithTheSettingItResets() {
            #expect(Self.effects("RESET ALL") == [.reset(nil)])
            #expect(Self.effects("reset TimeZone") == [.reset("TimeZone")])
            #expect(Self.effects("RESET TIME ZONE") == [.reset("TimeZone")])
            #expect(Self.effects("RESET search_path; RESET \"DateStyle\"") == [.reset("search_path"), .reset("DateStyle")])
            // SET ... TO DEFAULT is RESET.
            #expect(Self.effects("SET statement_timeout TO DEFAULT") == [.reset("statement_timeout")])
            #expect(Self.effects("set work_mem = default") == [.reset("work_mem")])
            #expect(Self.effects("SET TIME ZONE DEFAULT; SET TIME ZONE LOCAL; SET TIME ZONE 'UTC'") == [.reset("TimeZone"), .reset("TimeZone")])
            #expect(Self.effects("SET TimeZone TO 'UTC'") == [])
            // asyncpg's reset on release.
            #expect(Self.effects("SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;")
                == [.release(PinReasons(.advisoryLock)), .release(PinReasons(.holdCursor)), .release(PinReasons(.listen)), .reset(nil)])
        }

        @Test func plainSettingsAreTrackedOthersPin() {
            #expect(Self.effects("SET client_min_messages = warning") == [.trackedSetting])
            #expect(Self.effects("set escape_string_warning to off") == [.trackedSetting])
            #expect(Self.effects("SET statement_timeout = 0") == [.trackedSetting])
            #expect(Self.effects("SET work_mem = '1MB'") == [.pin(.setting)])
            #expect(Self.effects("SET LOCAL work_mem = '1MB'") == [])
        }

        @Test(arguments: [
            ("utf8", "UTF8"), ("UTF-8", "UTF8"), ("utf_8", "UTF8"), ("unicode", "UTF8"), ("euc-jp", "EUC_JP"),
            ("EUCJP", "EUC_JP"), ("iso-8859-1", "LATIN1"), ("latin1", "LATIN1"), ("windows-1252", "WIN1252"),
            ("win1252", "WIN1252"), ("sql_ascii", "SQL_ASCII"), ("iso_8859_5", "ISO_8859_5"), ("shift-jis", "SJIS"),
        ])
        func encodingNamesInPostgreSQLsSpelling(_ name: String, _ canonical: String) {
            #expect(ClientEncoding.canonical(name) == canonical)
        }

        @Test func unknownEncodingsAreLeftToTheDatabase() {
            #expect(ClientEncoding.canonical("klingon") == nil)
            #expect(ClientEncoding.canonical("") == nil)
        }

        @Test func restoreSetsEveryStartupValueInOneStatement() {
            #expect(SessionParameters.restoreStatement([("TimeZone", "Asia/Tokyo"), ("application_name", "it's\\")])
                == "SELECT pg_catalog.set_config(E'TimeZone', E'Asia/Tokyo', false), pg_catalog.set_config(E'application_name', E'it''s\\\\', false)")
        }
    }
}
