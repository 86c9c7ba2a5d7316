import PostgresPool
import Testing

/// libpq's TLS parameters as the pool reads them from a URL's query (no sockets).
@Suite struct UpstreamTLSSettingsTests {
    @Test("defaults to prefer; reads every sslmode, sslrootcert, sslcert and sslkey")
    func parsesParameters() throws {
        #expect(try UpstreamTLSSettings(query: []).mode == .prefer)
        for mode in SSLMode.allCases {
            #expect(try UpstreamTLSSettings(query: [("sslmode", mode.rawValue)]).mode == mode)
        }
        let full = try UpstreamTLSSettings(query: [
            ("sslmode", "verify-full"), ("sslrootcert", "/ca.pem"), ("sslcert", "/c.pem"), ("sslkey", "/k.pem"),
            ("application_name", "x"),
        ])
        #expect(full == UpstreamTLSSettings(
            mode: .verifyFull, rootCertificates: .file("/ca.pem"), certificatePath: "/c.pem", keyPath: "/k.pem"))
        #expect(full.queryItems.map { "\($0.name)=\($0.value)" } == [
            "sslmode=verify-full", "sslrootcert=/ca.pem", "sslcert=/c.pem", "sslkey=/k.pem",
        ])
    }

    @Test("libpq's meanings: require with a root certificate verifies the chain; sslrootcert=system means verify-full")
    func libpqMeanings() throws {
        #expect(try UpstreamTLSSettings(query: [("sslmode", "require")]).verification == .none)
        #expect(try UpstreamTLSSettings(query: [("sslmode", "require"), ("sslrootcert", "/ca")]).verification == .chain)
        #expect(try UpstreamTLSSettings(query: [("sslmode", "verify-ca"), ("sslrootcert", "/ca")]).verification == .chain)
        let system = try UpstreamTLSSettings(query: [("sslrootcert", "system")])
        #expect(system.mode == .verifyFull && system.verification == .chainAndHost)
        #expect(!SSLMode.prefer.requiresTLS && SSLMode.require.requiresTLS && SSLMode.verifyCA.requiresTLS)
    }

    @Test("bad values are errors naming the parameter")
    func badValues() {
        #expect(throws: TLSSettingsError.self) { try UpstreamTLSSettings(query: [("sslmode", "on")]) }
        #expect { try UpstreamTLSSettings(query: [("sslmode", "on")]) } throws: { "\($0)".contains("sslmode=on") }
        #expect { try UpstreamTLSSettings(query: [("sslrootcert", "system"), ("sslmode", "require")]) } throws: {
            "\($0)".contains("sslrootcert=system needs sslmode=verify-full")
        }
        #expect { try UpstreamTLSSettings(query: [("sslcert", "/c.pem")]) } throws: { "\($0)".contains("sslcert and sslkey") }
        #expect { try UpstreamTLSSettings(query: [("sslrootcert", "")]) } throws: { "\($0)".contains("sslrootcert is empty") }
    }

    @Test("verify-ca without sslrootcert, or an unreadable sslrootcert, fails when the context is made")
    func missingRootCertificate() throws {
        #expect { _ = try UpstreamTLSContext(settings: UpstreamTLSSettings(mode: .verifyCA), host: "db") } throws: {
            "\($0)".contains("give sslrootcert")
        }
        #expect {
            _ = try UpstreamTLSContext(settings: UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file("/nonexistent/ca.pem")), host: "db")
        } throws: { "\($0)".contains("sslrootcert=/nonexistent/ca.pem") }
        #expect(try UpstreamTLSContext(settings: .disabled, host: "db") == nil)
    }
}
