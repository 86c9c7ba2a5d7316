import NIOCore
import NIOPosix

/// The SDK's one event-loop thread. The runtime's Runtime API client runs on
/// it, and so does every other network client of the SDK (such as the
/// database module), so a function instance never starts more threads than
/// it needs.
package enum FunctionEventLoop {
    /// A group of exactly one event loop, started on first use and kept for
    /// the life of the process.
    package static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Runs tasks on that same thread: the runtime loop and the handler run
    /// under it (see ``FunctionRuntime``), so an invocation never hops between
    /// Swift's global executor and the event loop that does its I/O.
    package static let executor = EventLoopTaskExecutor(group.next())
}
