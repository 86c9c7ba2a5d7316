import ChildProcess
import EmulatorConfig
import Foundation

/// Builds the Swift functions of a project with SwiftPM before serving them.
public struct SwiftFunctionBuilder: Sendable {
    /// The project folder holding `Package.swift` and `Functions/`.
    public let projectDirectory: String

    /// Creates a builder for the package in `projectDirectory`.
    public init(projectDirectory: String) {
        self.projectDirectory = projectDirectory
    }

    /// Why the functions could not be built.
    public struct BuildError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Builds every product in one `swift build` and returns the folder holding
    /// them. `progress` receives a line before and after.
    public func build(_ functions: [FunctionDefinition], progress: (String) -> Void) async throws -> String {
        let names = functions.compactMap { function -> String? in
            if case .swift(let product) = function.kind { return product } else { return nil }
        }
        guard FileManager.default.fileExists(atPath: projectDirectory + "/Package.swift") else {
            throw BuildError(description: "\(names.joined(separator: ", ")) hold Swift sources, but \(projectDirectory) has no Package.swift to build them with")
        }
        guard let swift = ProcessSpec.findExecutable("swift") else {
            throw BuildError(description: "cannot build Swift functions: no `swift` on PATH (install a Swift 6 toolchain)")
        }
        progress("Building Swift functions: \(names.joined(separator: ", ")) ...")
        let started = ContinuousClock.now
        // SwiftPM caches the evaluated manifest by its text, not by the Functions/ folders it
        // lists: without this a function folder added since the last build is not seen.
        let build = try await run(swift, ["build", "--manifest-cache", "none"])
        guard build.status.isSuccess else {
            throw BuildError(description: "swift build failed (\(build.status)):\n\(build.output)")
        }
        let binPath = try await run(swift, ["build", "--show-bin-path"])
        guard binPath.status.isSuccess else {
            throw BuildError(description: "swift build --show-bin-path failed:\n\(binPath.output)")
        }
        let elapsed = ContinuousClock.now - started
        progress("Built in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
        return binPath.output.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The folder of the debug build (`.build/debug`) when it holds every
    /// Swift function of `functions` built after the last change to its
    /// sources, the function SDK and the package manifest; nil when something
    /// must be rebuilt. `emulator invoke` uses it not to run SwiftPM again
    /// right after `emulator serve` built the functions.
    public func upToDateBinDirectory(for functions: [FunctionDefinition]) -> String? {
        let binDirectory = projectDirectory + "/.build/debug"
        let shared = ["Package.swift", "Package.resolved", "Sources/FunctionKit", "Sources/FunctionDatabase"]
            .map { projectDirectory + "/" + $0 }
        let products = functions.compactMap { function -> (String, String)? in
            if case .swift(let product) = function.kind { return (product, function.directory) } else { return nil }
        }
        guard !products.isEmpty else { return nil }
        let sharedNewest = Self.newestModification(under: shared)
        for (product, directory) in products {
            guard let built = Self.modification(of: binDirectory + "/" + product) else { return nil }
            let newest = max(sharedNewest, Self.newestModification(under: [directory]))
            guard built > newest else { return nil }
        }
        return binDirectory
    }

    private static func modification(of path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The latest modification time of the files under `roots` (folders or files); distantPast for none.
    private static func newestModification(under roots: [String]) -> Date {
        var newest = Date.distantPast
        for root in roots {
            if let date = modification(of: root) { newest = max(newest, date) }
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { continue }
            while let relative = enumerator.nextObject() as? String {
                if let date = modification(of: root + "/" + relative) { newest = max(newest, date) }
            }
        }
        return newest
    }

    private func run(_ swift: String, _ arguments: [String]) async throws -> (status: TerminationStatus, output: String) {
        try await ChildProcess.run(ProcessSpec(
            executable: swift, arguments: arguments, environment: ProcessInfo.processInfo.environment,
            workingDirectory: projectDirectory))
    }
}
