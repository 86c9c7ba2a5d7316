import Testing
@testable import FunctionKit

@Suite("AWS_LAMBDA_RUNTIME_API parsing")
struct EndpointTests {
    @Test("host:port forms", arguments: [
        ("127.0.0.1:9001", "127.0.0.1", 9001),
        ("localhost:80", "localhost", 80),
        ("[::1]:9001", "::1", 9001),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let endpoint = try #require(Endpoint(text))
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
    }

    @Test("values that are not host:port are refused", arguments: ["", "9001", "host", "host:", ":9001", "host:abc", "host:70000"])
    func refuses(text: String) {
        #expect(Endpoint(text) == nil)
    }
}
