import Foundation
import LocalTLS
import TestSupport
import Testing

@Suite("The local certificate authority (.emulator/tls)")
struct LocalCertificateAuthorityTests {
    /// Runs `openssl` with `arguments`; returns its exit status and output.
    private func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("makes a CA and a server certificate for localhost and 127.0.0.1 that OpenSSL verifies; keys are 0600")
    func makesVerifiableCertificates() throws {
        let directory = try makeTemporaryDirectory(prefix: "local-tls")
        defer { removeDirectory(directory) }
        let authority = try LocalCertificateAuthority.loadOrCreate(in: directory + "/tls")
        #expect(try mode(authority.caKeyPath) == 0o600)
        #expect(try mode(authority.serverKeyPath) == 0o600)
        for name in ["localhost"] {
            let result = try openssl([
                "verify", "-CAfile", authority.caCertificatePath, "-verify_hostname", name, authority.serverCertificatePath,
            ])
            #expect(result.status == 0, "\(result.output)")
        }
        let byAddress = try openssl([
            "verify", "-CAfile", authority.caCertificatePath, "-verify_ip", "127.0.0.1", authority.serverCertificatePath,
        ])
        #expect(byAddress.status == 0, "\(byAddress.output)")
        let wrongName = try openssl([
            "verify", "-CAfile", authority.caCertificatePath, "-verify_hostname", "db.example.com",
            authority.serverCertificatePath,
        ])
        #expect(wrongName.status != 0, "a certificate for another host must not verify: \(wrongName.output)")
        // The key matches the certificate.
        let keyCheck = try openssl(["pkey", "-in", authority.serverKeyPath, "-pubout"])
        let certificateKey = try openssl(["x509", "-in", authority.serverCertificatePath, "-noout", "-pubkey"])
        #expect(keyCheck.status == 0 && keyCheck.output == certificateKey.output)
    }

    @Test("a second start reuses the same CA and server certificate")
    func reusesFiles() throws {
        let directory = try makeTemporaryDirectory(prefix: "local-tls")
        defer { removeDirectory(directory) }
        let first = try LocalCertificateAuthority.loadOrCreate(in: directory)
        let ca = try String(contentsOfFile: first.caCertificatePath, encoding: .utf8)
        let server = try String(contentsOfFile: first.serverCertificatePath, encoding: .utf8)
        let second = try LocalCertificateAuthority.loadOrCreate(in: directory)
        #expect(try String(contentsOfFile: second.caCertificatePath, encoding: .utf8) == ca)
        #expect(try String(contentsOfFile: second.serverCertificatePath, encoding: .utf8) == server)
    }

    @Test("a broken server key is replaced by a new certificate from the same CA; other names get a new certificate")
    func repairsAndReissues() throws {
        let directory = try makeTemporaryDirectory(prefix: "local-tls")
        defer { removeDirectory(directory) }
        let first = try LocalCertificateAuthority.loadOrCreate(in: directory)
        let ca = try String(contentsOfFile: first.caCertificatePath, encoding: .utf8)
        let server = try String(contentsOfFile: first.serverCertificatePath, encoding: .utf8)
        try "garbage".write(toFile: first.serverKeyPath, atomically: true, encoding: .utf8)
        let repaired = try LocalCertificateAuthority.loadOrCreate(in: directory)
        #expect(try String(contentsOfFile: repaired.caCertificatePath, encoding: .utf8) == ca)
        #expect(try String(contentsOfFile: repaired.serverCertificatePath, encoding: .utf8) != server)
        #expect(try mode(repaired.serverKeyPath) == 0o600)

        let other = try LocalCertificateAuthority.loadOrCreate(in: directory, serverNames: ["db.test"])
        let verified = try openssl([
            "verify", "-CAfile", other.caCertificatePath, "-verify_hostname", "db.test", other.serverCertificatePath,
        ])
        #expect(verified.status == 0, "\(verified.output)")
    }

    @Test("a directory that cannot be made is an error naming it")
    func unwritableDirectory() throws {
        let directory = try makeTemporaryDirectory(prefix: "local-tls")
        defer { removeDirectory(directory) }
        try "not a directory".write(toFile: directory + "/file", atomically: true, encoding: .utf8)
        do {
            _ = try LocalCertificateAuthority.loadOrCreate(in: directory + "/file/tls")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(directory + "/file/tls"))
        }
    }
}
