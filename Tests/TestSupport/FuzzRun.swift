import Foundation

/// How long a seeded fuzz test runs: its own fixed seed and round count in CI,
/// or a longer run asked for by environment variables.
///
/// - `EMULATOR_FUZZ_ITERATIONS`: the number of rounds of every fuzz test (a positive integer).
/// - `EMULATOR_FUZZ_SEED`: the seed of every fuzz test (decimal, or hexadecimal after `0x`),
///   so runs with other seeds cover other inputs and a failing one can be replayed.
public struct FuzzRun: Sendable, CustomStringConvertible {
    /// The generator's seed.
    public let seed: UInt64
    /// The rounds to run.
    public let iterations: Int

    /// The test's defaults, replaced by the environment's values where given.
    public init(seed: UInt64, iterations: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.seed = environment["EMULATOR_FUZZ_SEED"].flatMap(Self.parseSeed) ?? seed
        self.iterations = environment["EMULATOR_FUZZ_ITERATIONS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? iterations
    }

    /// `seed 0x5EED2026, 120 rounds`: printed by the tests, so a failure names what replays it.
    public var description: String { "seed 0x\(String(seed, radix: 16, uppercase: true)), \(iterations) rounds" }

    private static func parseSeed(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }
}
