@testable import FunctionHost
import Testing

/// The pure parts of the event: which bodies are text, the domain of a Host header.
@Suite struct APIGatewayEventUnitTests {
    @Test(arguments: [
        ("text/plain", true), ("TEXT/HTML; charset=utf-8", true), ("application/json", true),
        (" application/json ; charset=utf-8", true), ("application/xml", true), ("application/javascript", true),
        ("application/problem+json", true), ("application/soap+xml", true),
        ("application/octet-stream", false), ("application/x-www-form-urlencoded", false),
        ("multipart/form-data; boundary=x", false), ("image/svg+xml", false), ("application/jsonx", false), ("", false),
    ])
    func textContentTypes(contentType: String, text: Bool) {
        #expect(APIGatewayEvent.isText(contentType: contentType) == text)
    }

    @Test func noContentTypeIsBinary() {
        #expect(!APIGatewayEvent.isText(contentType: nil))
    }

    @Test(arguments: [
        ("127.0.0.1:3000", "127.0.0.1"), ("api.example.test", "api.example.test"), ("localhost:80", "localhost"),
        ("[::1]:3000", "[::1]"), ("", ""),
    ])
    func domainNameOfAHostHeader(host: String, domain: String) {
        #expect(APIGatewayEvent.domainName(ofHost: host) == domain)
    }
}
