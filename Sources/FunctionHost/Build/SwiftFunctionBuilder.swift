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

    private func run(_ swift: String, _ arguments: [String]) async throws -> (status: TerminationStatus, output: String) {
        try await ChildProcess.run(ProcessSpec(
            executable: swift, arguments: arguments, environment: ProcessInfo.processInfo.environment,
            workingDirectory: projectDirectory))
    }
}
