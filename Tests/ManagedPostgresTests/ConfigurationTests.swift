import Foundation
@testable import ManagedPostgres
import Testing

@Suite("Configuration, credentials and binaries")
struct ConfigurationTests {
    private func configuration(
        port: Int = 5432, maxConnections: Int = 10, reserved: Int = 3, settings: [String: String] = [:]
    ) -> ManagedPostgresConfiguration {
        ManagedPostgresConfiguration(
            stateDirectory: "/tmp/x", port: port, maxConnections: maxConnections,
            reservedConnections: reserved, serverSettings: settings)
    }

    @Test func validConfigurationPasses() throws {
        try configuration().validate()
    }

    @Test(arguments: [
        (0, 10, 3, "port 0"),
        (70000, 10, 3, "port 70000"),
        (5432, 0, 0, "maxConnections 0"),
        (5432, 3, 3, "reservedConnections 3 must be at least 0 and less than maxConnections (3)"),
        (5432, 10, -1, "reservedConnections -1"),
    ])
    func badValuesAreNamed(port: Int, maxConnections: Int, reserved: Int, expected: String) {
        let error = #expect(throws: ManagedPostgresError.self) {
            try configuration(port: port, maxConnections: maxConnections, reserved: reserved).validate()
        }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func managedSettingsCannotBeOverridden() {
        let error = #expect(throws: ManagedPostgresError.self) {
            try configuration(settings: ["max_connections": "500"]).validate()
        }
        #expect(error?.description.contains("'max_connections' is managed") == true)
        #expect(throws: ManagedPostgresError.self) {
            try configuration(settings: ["fsync = off; x": "1"]).validate()
        }
    }

    @Test func commandLinePassesEverySettingAsAnOption() {
        var config = configuration(port: 6000, maxConnections: 42, reserved: 5, settings: ["fsync": "off"])
        config.stateDirectory = "/state"
        let arguments = ServerCommandLine(dataDirectory: "/state/data", configuration: config).arguments
        #expect(Array(arguments.prefix(2)) == ["-D", "/state/data"])
        for option in [
            "listen_addresses=127.0.0.1", "port=6000", "max_connections=42",
            "superuser_reserved_connections=5", "unix_socket_directories=",
            "password_encryption=scram-sha-256", "fsync=off",
        ] {
            let index = arguments.firstIndex(of: option)
            #expect(index != nil && arguments[index! - 1] == "-c", "missing -c \(option)")
        }
    }

    @Test func urlEncodesAndRedacts() {
        let credentials = DatabaseCredentials(
            host: "127.0.0.1", port: 5433, user: "app", password: "p@ss:w/rd%", database: "my db")
        #expect(credentials.url == "postgresql://app:p%40ss%3Aw%2Frd%25@127.0.0.1:5433/my%20db")
        #expect(credentials.redactedURL == "postgresql://app:***@127.0.0.1:5433/my%20db")
        #expect("\(credentials)" == credentials.redactedURL)
        #expect(credentials.libpqEnvironment["PGPASSWORD"] == "p@ss:w/rd%")
        #expect(credentials.libpqEnvironment["PGPORT"] == "5433")
    }

    @Test func passwordsAreRandomLettersAndDigits() {
        let first = ClusterPasswords.generate()
        let second = ClusterPasswords.generate()
        #expect(first.superuser != first.application)
        #expect(first != second)
        #expect(first.superuser.count == 32)
        #expect(first.superuser.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    @Test func binariesAreFoundOnThisMachine() throws {
        let binaries = try PostgresBinaries.locate()
        for program in [binaries.postgres, binaries.initdb, binaries.psql, binaries.pgIsReady] {
            #expect(FileManager.default.isExecutableFile(atPath: program), "\(program)")
        }
    }

    @Test func installRootIsSearchedHighestVersionFirst() throws {
        let root = try makeTemporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for version in ["9.6", "15", "16"] { try makeFakeInstallation("\(root)/\(version)/bin") }
        try FileManager.default.createDirectory(atPath: "\(root)/17/bin", withIntermediateDirectories: true)
        let binaries = try PostgresBinaries.locate(searchPath: "/nonexistent", installRoot: root)
        #expect(binaries.directory == "\(root)/16/bin")
    }

    @Test func missingBinariesNameThePackage() throws {
        let error = #expect(throws: ManagedPostgresError.self) {
            try PostgresBinaries.locate(searchPath: "/nonexistent", installRoot: "/nonexistent/lib")
        }
        let message = error?.description ?? ""
        #expect(message.contains("apt-get install postgresql"))
        #expect(message.contains("postgresql-15"))
        #expect(message.contains("/nonexistent/lib/*/bin"))
    }

    private func makeTemporaryRoot() throws -> String {
        let root = NSTemporaryDirectory() + "pg-root-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    private func makeFakeInstallation(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for program in PostgresBinaries.requiredPrograms {
            let created = FileManager.default.createFile(
                atPath: "\(directory)/\(program)", contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755])
            #expect(created)
        }
    }
}
