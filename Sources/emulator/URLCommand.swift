import ArgumentParser
import Logging

/// `emulator url`: the `postgresql://` URL instances get, so that
/// `psql "$(swift run emulator url)"` reaches the pool.
struct URLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "url",
        abstract: "Print the pool's postgresql:// URL (with --direct, the database's).")

    @OptionGroup var project: ProjectOptions

    @Flag(help: "Print the database's own URL instead of the pool's.")
    var direct = false

    func run() throws {
        let config = try project.load()
        guard let database = config.database else {
            throw CommandError("this project has no database (\"database\": null in \(config.configFile))")
        }
        let urls = try DatabaseStack.storedURLs(config: config, database: database, logger: Logger(label: "emulator"))
        print(direct ? urls.direct.text : urls.pooled.text)
    }
}
