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

/// A small deterministic generator (SplitMix64) for the fuzz tests, so a
/// failing run is replayed from its ``FuzzRun/seed``.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
