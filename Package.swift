// swift-tools-version:6.2
import Foundation
import PackageDescription

/// Every folder in `Functions/` that holds `.swift` files is a function: an
/// executable target linked against the function SDK. A new function is a new
/// folder and nothing else. Folders without Swift sources (custom runtimes with
/// an executable `bootstrap`) are served by the host as they are.
///
/// A function whose sources contain `import FunctionDatabase` also links the
/// database module. Only those do: it brings postgres-nio and Foundation,
/// which add about 3 ms to every cold start.
///
/// SwiftPM caches this manifest's result by its text and environment, not by
/// what is in `Functions/`: a cached result misses a function folder added or
/// removed since (or a changed `import FunctionDatabase`). Pass
/// `--manifest-cache none` to `swift build` and `swift test` to see them.
let functionTargets: [Target] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    let functions = root.appendingPathComponent("Functions")
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: functions.path) else { return [] }
    return names.sorted().compactMap { name in
        let folder = functions.appendingPathComponent(name)
        guard let files = try? fm.contentsOfDirectory(atPath: folder.path),
              files.contains(where: { $0.hasSuffix(".swift") }) else { return nil }
        let usesDatabase = files.filter { $0.hasSuffix(".swift") }.contains { file in
            let source = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            return source?.contains("import FunctionDatabase") ?? false
        }
        return .executableTarget(
            name: name,
            dependencies: usesDatabase ? ["FunctionKit", "FunctionDatabase"] : ["FunctionKit"],
            path: "Functions/\(name)",
            exclude: files.filter { !$0.hasSuffix(".swift") }
        )
    }
}()

/// The code on the hot paths is compiled optimized in debug builds too, so that
/// `swift run emulator` (a debug build) shows the pool and the host at the speed
/// a release build has: debug-built, the pool did about a fifth of PgBouncer's
/// throughput and the emulator distorted the very scaling it exists to show
/// (Benchmarks/RESULTS.md, "Release speed under swift run"). `unsafeFlags` are
/// allowed because this root package is an application that nothing depends on;
/// `-g` stays on, so crash logs still symbolicate, and `swift test`'s
/// `-enable-testing` still works with `-O`. A target left out of this list
/// (configuration parsing, the managed database's set-up) is not on a hot path
/// and keeps debug builds' easier stepping in a debugger.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "serverless-emulator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "emulator", targets: ["emulator"]),
        .library(name: "FunctionKit", targets: ["FunctionKit"]),
        .library(name: "FunctionDatabase", targets: ["FunctionDatabase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "emulator",
            dependencies: [
                "EmulatorConfig", "FunctionHost", "PostgresPool", "SQLOverHTTP", "ManagedPostgres", "ChildProcess", "LocalTLS",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Scaffold/Templates")],
            swiftSettings: optimizedInDebug
        ),
        .target(name: "EmulatorConfig"),
        // The emulator's own certificate authority (.emulator/tls/) and the certificates it issues.
        .target(
            name: "LocalTLS",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "CSpawn"),
        .target(
            name: "ChildProcess",
            dependencies: ["CSpawn", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "FunctionHost",
            dependencies: [
                "EmulatorConfig", "ChildProcess",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The dashboard's files and the built-in runtime clients, compiled
            // into the binary (PackageResources).
            resources: [
                .embedInCode("Dashboard/Page/index.html"),
                .embedInCode("Dashboard/Page/dashboard.css"),
                .embedInCode("Dashboard/Page/dashboard.js"),
                .embedInCode("Runtimes/nodejs/bootstrap.cjs"),
                .embedInCode("Runtimes/python/bootstrap.py"),
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "PostgresPool",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "SQLOverHTTP",
            dependencies: [
                "PostgresPool", "PostgresText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(name: "PostgresText", swiftSettings: optimizedInDebug),
        .target(
            name: "ManagedPostgres",
            dependencies: ["ChildProcess", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "FunctionKit",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "FunctionDatabase",
            dependencies: [
                "FunctionKit", "PostgresText",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: optimizedInDebug
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "ManagedPostgres", "ChildProcess", "LocalTLS", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"]),
        .testTarget(name: "EmulatorConfigTests", dependencies: ["EmulatorConfig"]),
        .testTarget(name: "LocalTLSTests", dependencies: ["LocalTLS", "TestSupport"]),
        .testTarget(name: "FunctionKitTests", dependencies: ["FunctionKit"]),
        .testTarget(name: "FunctionDatabaseTests", dependencies: ["FunctionDatabase"]),
        .testTarget(name: "ManagedPostgresTests", dependencies: ["ManagedPostgres", "TestSupport"]),
        .testTarget(
            name: "PostgresPoolTests",
            dependencies: [
                "PostgresPool", "ManagedPostgres", "TestSupport", "LocalTLS",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "SQLOverHTTPTests",
            dependencies: [
                "SQLOverHTTP", "PostgresPool", "PostgresText", "FunctionDatabase", "ManagedPostgres", "TestSupport", "LocalTLS",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "FunctionHostTests",
            dependencies: ["FunctionHost", "EmulatorConfig", "ChildProcess", "ManagedPostgres", "TestSupport", "LocalTLS", "emulator"]
        ),
    ] + functionTargets,
    swiftLanguageModes: [.v6]
)
