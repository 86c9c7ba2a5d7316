// swift-tools-version:6.2
import PackageDescription

/// The baseline of Benchmarks/warm_vs_bare.py: a minimal Hummingbird server
/// (the framework of the emulator's front door) answering one route with a
/// fixed body. Its own package, so the emulator's manifest stays as it is.
let package = Package(
    name: "BareServer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "BareServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
