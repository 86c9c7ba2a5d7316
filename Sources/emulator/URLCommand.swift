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

    @Flag(help: "Make the pool's URL verify the pool's certificate: sslmode=verify-full&sslrootcert=<the emulator's CA>.")
    var tls = false

    func run() throws {
        let config = try project.load()
        guard let database = config.database else {
            throw CommandError("this project has no database (\"database\": null in \(config.configFile))")
        }
        let urls = try DatabaseStack.storedURLs(config: config, database: database, logger: Logger(label: "emulator"))
        if tls {
            if direct { throw CommandError("--tls is for the pool's URL; the database's own URL (--direct) has its own sslmode") }
            guard config.pool.tls != .off else {
                throw CommandError("pool.tls is \"off\" in \(config.configFile): the pool does not speak TLS; set it to \"allow\" or \"require\"")
            }
            let authority = try DatabaseStack.localAuthority(config)
            print(urls.pooled.verifyingServer(caPath: authority.caCertificatePath).text)
            return
        }
        print(direct ? urls.direct.text : urls.pooled.text)
    }
}
