import ArgumentParser
import NIOCore
import NIOPosix

// Swift concurrency's jobs run on the NIO event loops themselves, so an
// invocation no longer hops between the global executor's threads and the
// loops that own its front-door and Runtime API connections. Installed before
// the first task exists, on the main thread, as NIO requires.
import Foundation
if ProcessInfo.processInfo.environment["AB"] == nil { NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
await run(Emulator.self)

/// Runs `command` as `@main` would: the async entry point, not the synchronous one.
func run<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main()
}
