import ArgumentParser

/// `emulator`: serve the functions of a project (the default), and tools around it.
/// Started from `main.swift`.
struct Emulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "A local serverless runtime emulator with a built-in PostgreSQL connection pool.",
        subcommands: [ServeCommand.self, URLCommand.self, NewCommand.self, InvokeCommand.self, StormCommand.self],
        defaultSubcommand: ServeCommand.self)
}
