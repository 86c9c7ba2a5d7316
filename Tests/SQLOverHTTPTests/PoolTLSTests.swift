import Foundation
import LocalTLS
import PostgresPool
import Testing
import TestSupport

@Suite("SQL over HTTP: a pool that requires TLS")
struct PoolTLSTests {
    @Test("the endpoint reaches a pool with pool.tls require over verified TLS; without TLS it gets the pool's refusal")
    func throughATLSOnlyPool() async throws {
        let directory = try makeTemporaryDirectory(prefix: "http-tls")
        defer { removeDirectory(directory) }
        let authority = try LocalCertificateAuthority.loadOrCreate(in: directory)
        let required = ClientTLSSettings(
            mode: .require, certificatePath: authority.serverCertificatePath, keyPath: authority.serverKeyPath)
        let verifying = UpstreamTLSSettings(mode: .verifyFull, rootCertificates: .file(authority.caCertificatePath))
        try await EndpointHarness.with(clientTLS: required, poolTLS: verifying) { endpoint in
            let reply = try await endpoint.post(["query": "SELECT 6 * 7 AS answer"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect((reply.rows.first as? [String: Any])?["answer"] as? Int == 42, "\(reply.text)")
        }
        try await EndpointHarness.with(clientTLS: required) { endpoint in
            let reply = try await endpoint.post(["query": "SELECT 1"])
            #expect(reply.status != 200)
            #expect(reply.text.contains("pool.tls"), "\(reply.text)")
        }
    }
}
