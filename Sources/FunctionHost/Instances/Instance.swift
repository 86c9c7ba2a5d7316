import ChildProcess
import Foundation
import NIOCore
import Synchronization

/// One function instance: an OS process speaking the Runtime API to a port of
/// its own, serving one invocation at a time.
///
/// The Runtime API handler and the instance manager drive it; every state
/// change happens under one lock, and every invocation completes exactly once:
/// by a response, an error, the timeout, the out-of-memory kill, or the process's exit.
final class Instance: Sendable {
    /// Short id shown in logs (`[function/id]`) and in the log stream name.
    let id: String
    let functionName: String
    /// The ARN the runtime is told it serves (`Lambda-Runtime-Invoked-Function-Arn`).
    private let functionARN: String
    let memoryMB: Int
    let timeout: Double
    /// The database-mode generation it was launched under (see ``DatabaseRouting``).
    let generation: Int
    /// The function's code generation it runs (see ``FunctionInstances/replaceAll()``).
    let codeGeneration: Int
    /// Whether its processes are stopped while it waits for the next event (`freezeIdle`).
    let freezesWhenIdle: Bool
    let eventLoop: any EventLoop
    private let peakMemory = PeakMemory()
    /// When the cold start began (before any `coldStartDelayMs`): Init Duration counts from here.
    private let coldStartBegan: ContinuousClock.Instant
    private let state = Mutex<State>(State())

    enum Phase: Sendable { case starting, idle, busy, dead }

    private struct State {
        var phase: Phase = .starting
        var initDuration: Duration?
        var idleSince: ContinuousClock.Instant?
        var parkedNext: (any Channel)?
        var current: Invocation?
        var process: ChildProcess?
        var serverChannel: (any Channel)?
        /// The process's output pipe, as forwarded to the log.
        var output: InstanceOutput?
        /// What the runtime posted to `/init/error`, if it did.
        var initError: (body: ByteBuffer, errorType: String?)?
        /// Its process group is stopped (SIGSTOP) until the next event.
        var frozen = false
        /// The next check of its resident memory against `memoryMB`.
        var memoryCheck: Scheduled<Void>?
    }

    private struct Invocation {
        let requestId: String
        let payload: ByteBuffer
        /// Set when the event is handed to the runtime: then + the function's timeout.
        var deadlineEpochMs: Int64 = 0
        var delivered = false
        /// Until delivery the init watchdog, after it the function's timeout.
        var timer: Scheduled<Void>?
        let continuation: CheckedContinuation<InvocationOutcome, Never>
    }

    /// How long a new instance may take to reach its first `/next` (Lambda's init limit).
    static let initTimeout = 10.0

    /// How often the resident memory of an instance's processes is checked against its `memoryMB`.
    static let memoryCheckInterval = TimeAmount.milliseconds(200)

    /// How often while it is idle: an instance waiting for its next event
    /// rarely grows, and checking 1000 idle instances five times a second took
    /// most of a core. An invocation brings the next check forward.
    static let idleMemoryCheckInterval = TimeAmount.seconds(2)

    init(
        id: String, functionName: String, memoryMB: Int, timeout: Double, generation: Int, codeGeneration: Int,
        freezesWhenIdle: Bool, eventLoop: any EventLoop, coldStartBegan: ContinuousClock.Instant
    ) {
        self.id = id
        self.coldStartBegan = coldStartBegan
        self.functionName = functionName
        functionARN = "arn:aws:lambda:us-east-1:123456789012:function:\(functionName)"
        self.memoryMB = memoryMB
        self.timeout = timeout
        self.generation = generation
        self.codeGeneration = codeGeneration
        self.freezesWhenIdle = freezesWhenIdle
        self.eventLoop = eventLoop
    }

    // MARK: Lifecycle (instance manager)

    /// Records the process and Runtime API channel once launched, and starts
    /// watching the process's memory.
    func attach(process: ChildProcess, serverChannel: any Channel) {
        state.withLock {
            $0.process = process
            $0.serverChannel = serverChannel
            scheduleMemoryCheck(&$0)
        }
    }

    /// Records the forwarding of the process's output.
    func attach(output: InstanceOutput) {
        state.withLock { $0.output = output }
    }

    /// Returns once the output the process wrote so far is in the log (see ``InstanceOutput/drained()``).
    func outputDrained() async {
        await state.withLock { $0.output }?.drained()
    }

    var phase: Phase { state.withLock { $0.phase } }
    var process: ChildProcess? { state.withLock { $0.process } }

    /// Time from the start of the cold start to the first `/next`, once it happened.
    var initDuration: Duration? { state.withLock { $0.initDuration } }

    /// When it last became idle (nil unless idle).
    var idleSince: ContinuousClock.Instant? { state.withLock { $0.phase == .idle ? $0.idleSince : nil } }

    /// Lambda's `Max Memory Used` in megabytes, for the REPORT lines; nil once the process is gone.
    var maxMemoryUsed: Int? { process.flatMap { peakMemory.megabytes(pid: $0.pid) } }

    /// Whether its processes are stopped right now, waiting for the next event.
    var isFrozen: Bool { state.withLock { $0.frozen } }

    /// Runs one invocation and returns how it ended. Call only on a starting
    /// or idle instance that the caller has reserved.
    ///
    /// The function's timeout runs from the moment the runtime takes the event,
    /// as on Lambda; a cold instance first has ``initTimeout`` to get there.
    func invoke(requestId: String, payload: ByteBuffer) async -> InvocationOutcome {
        await withCheckedContinuation { continuation in
            var invocation = Invocation(requestId: requestId, payload: payload, continuation: continuation)
            let (next, failure): ((any Channel)?, InvocationOutcome?) = state.withLock { state in
                if state.phase == .dead {
                    if let initError = state.initError {
                        return (nil, .initError(initError.body, errorType: initError.errorType))
                    }
                    return (nil, .crashed(state.process?.exitStatus ?? .signaled(SIGKILL)))
                }
                if state.phase == .idle {
                    state.phase = .busy
                    scheduleMemoryCheck(&state)
                }
                guard let parked = state.parkedNext else {
                    invocation.timer = eventLoop.scheduleTask(in: .seconds(Int64(Self.initTimeout))) { [self] in
                        timedOut(requestId: requestId, after: Self.initTimeout)
                    }
                    state.current = invocation
                    return (nil, nil)
                }
                state.parkedNext = nil
                state.current = invocation
                invocation = markDelivered(&state)
                if state.frozen {
                    state.frozen = false
                    state.process?.signal(SIGCONT)
                }
                return (parked, nil)
            }
            if let failure {
                continuation.resume(returning: failure)
            } else if let next {
                deliver(invocation, on: next)
            }
        }
    }

    /// Marks the current invocation as handed to the runtime: its deadline
    /// starts, and the function's timeout replaces the init watchdog.
    private func markDelivered(_ state: inout State) -> Invocation {
        let requestId = state.current!.requestId
        state.current!.timer?.cancel()
        state.current!.delivered = true
        state.current!.deadlineEpochMs = Int64(Date().timeIntervalSince1970 * 1000) + Int64(timeout * 1000)
        state.current!.timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout * 1_000_000_000))) { [self] in
            timedOut(requestId: requestId, after: timeout)
        }
        return state.current!
    }

    /// Kills the process group; the exit completes any outstanding invocation.
    func terminate() {
        let process = state.withLock { state -> ChildProcess? in
            if state.phase == .idle || state.phase == .starting { state.phase = .dead }
            return state.process
        }
        process?.signal(SIGKILL)
    }

    /// Called once the process has exited.
    func processExited(_ status: TerminationStatus) {
        let (invocation, channels) = state.withLock { state -> (Invocation?, [any Channel]) in
            state.phase = .dead
            state.memoryCheck?.cancel()
            state.memoryCheck = nil
            defer { state.current = nil; state.parkedNext = nil }
            return (state.current, [state.serverChannel, state.parkedNext].compactMap { $0 })
        }
        for channel in channels { channel.close(promise: nil) }
        if let invocation {
            invocation.timer?.cancel()
            invocation.continuation.resume(returning: .crashed(status))
        }
    }

    // MARK: Runtime API (called by RuntimeAPIHandler)

    /// `GET /runtime/invocation/next`: answers at once when an invocation is
    /// waiting, else parks the request until one arrives.
    func nextRequested(on channel: any Channel) -> RuntimeAPIReply? {
        let action: NextAction = state.withLock { state in
            if state.phase == .dead { return .reply(.gone) }
            if state.initDuration == nil {
                state.initDuration = ContinuousClock.now - coldStartBegan
                if state.phase == .starting { state.phase = state.current == nil ? .idle : .busy }
                if state.phase == .idle { state.idleSince = .now }
            }
            if state.parkedNext != nil { return .reply(.badRequest("Runtime.InvalidStateTransition", "a /next request is already waiting")) }
            if state.current?.delivered == false {
                return .deliver(markDelivered(&state))
            }
            state.parkedNext = channel
            if freezesWhenIdle, state.phase == .idle, !state.frozen, let process = state.process {
                // As Lambda does once the runtime asks for the next event: nothing of the
                // instance runs (no timers, no keep-alives) until an event arrives.
                state.frozen = true
                process.signal(SIGSTOP)
            }
            return .park
        }
        switch action {
        case .reply(let reply): return reply
        case .deliver(let invocation):
            deliver(invocation, on: channel)
            return nil
        case .park:
            return nil
        }
    }

    private enum NextAction {
        case reply(RuntimeAPIReply)
        case deliver(Invocation)
        case park
    }

    /// `POST /runtime/invocation/{id}/response`.
    func responsePosted(requestId: String, body: ByteBuffer) -> RuntimeAPIReply {
        complete(requestId: requestId, with: .response(body))
    }

    /// `POST /runtime/invocation/{id}/error`.
    func errorPosted(requestId: String, body: ByteBuffer, errorType: String?) -> RuntimeAPIReply {
        complete(requestId: requestId, with: .functionError(body, errorType: errorType))
    }

    /// A response body over the payload limit: the invocation fails.
    func responseTooLarge(requestId: String) -> RuntimeAPIReply {
        _ = complete(requestId: requestId, with: .responseTooLarge)
        return .payloadTooLarge
    }

    /// `POST /runtime/init/error`: the invocation waiting for this cold start
    /// fails with the runtime's error, and the instance is discarded.
    func initErrorPosted(body: ByteBuffer, errorType: String?) -> RuntimeAPIReply {
        let (accepted, invocation): (Bool, Invocation?) = state.withLock { state in
            guard state.initDuration == nil, state.phase != .dead else { return (false, nil) }
            state.phase = .dead
            state.initError = (body, errorType)
            defer { state.current = nil }
            return (true, state.current)
        }
        guard accepted else {
            return .forbidden("Runtime.InvalidStateTransition", "/init/error is only accepted before the first /next")
        }
        if let invocation {
            invocation.timer?.cancel()
            invocation.continuation.resume(returning: .initError(body, errorType: errorType))
        }
        terminateSoon()
        return .accepted
    }

    /// A Runtime API connection closed: a `/next` parked on it can no longer be answered.
    func runtimeConnectionClosed(_ channel: any Channel) {
        state.withLock { state in
            if let parked = state.parkedNext, parked === channel { state.parkedNext = nil }
        }
    }

    private func complete(requestId: String, with outcome: InvocationOutcome) -> RuntimeAPIReply {
        let invocation: Invocation? = state.withLock { state in
            guard let current = state.current, current.requestId == requestId, current.delivered else { return nil }
            state.current = nil
            if outcome.keepsInstance {
                state.phase = .idle
                state.idleSince = .now
            } else {
                state.phase = .dead
            }
            return current
        }
        guard let invocation else {
            return .badRequest("InvalidRequestID", "no outstanding invocation with request id \(requestId)")
        }
        invocation.timer?.cancel()
        invocation.continuation.resume(returning: outcome)
        if !outcome.keepsInstance { terminateSoon() }
        return .accepted
    }

    private func timedOut(requestId: String, after seconds: Double) {
        let (invocation, process): (Invocation?, ChildProcess?) = state.withLock { state in
            guard let current = state.current, current.requestId == requestId else { return (nil, nil) }
            state.current = nil
            state.phase = .dead
            return (current, state.process)
        }
        guard let invocation else { return }
        process?.signal(SIGKILL)
        invocation.continuation.resume(returning: .timedOut(seconds: seconds))
    }

    /// Kills the instance, as Lambda does, when its processes together hold more
    /// resident memory than `memoryMB`; the invocation it holds ends with
    /// ``InvocationOutcome/outOfMemory(limitMB:)``.
    private func checkMemory() {
        let pid = state.withLock { state -> Int32? in
            guard state.phase != .dead else { return nil }
            scheduleMemoryCheck(&state)
            return state.frozen ? nil : state.process?.pid
        }
        guard let pid, ProcessTreeMemory.residentMegabytes(root: pid) > memoryMB else { return }
        let (invocation, process) = state.withLock { state -> (Invocation?, ChildProcess?) in
            guard state.phase != .dead else { return (nil, nil) }
            defer {
                state.current = nil
                state.phase = .dead
                state.memoryCheck?.cancel()
                state.memoryCheck = nil
            }
            return (state.current, state.process)
        }
        process?.signal(SIGKILL)
        guard let invocation else { return }
        invocation.timer?.cancel()
        invocation.continuation.resume(returning: .outOfMemory(limitMB: memoryMB))
    }

    /// Schedules the next memory check: soon while the instance starts or
    /// runs, rarely while it is idle (called with the lock held).
    private func scheduleMemoryCheck(_ state: inout State) {
        state.memoryCheck?.cancel()
        let delay = state.phase == .idle ? Self.idleMemoryCheckInterval : Self.memoryCheckInterval
        state.memoryCheck = eventLoop.scheduleTask(in: delay) { [self] in checkMemory() }
    }

    /// Lets the Runtime API reply go out, then kills the process.
    private func terminateSoon() {
        eventLoop.scheduleTask(in: .milliseconds(20)) { [self] in
            state.withLock { $0.process }?.signal(SIGKILL)
        }
    }

    private func deliver(_ invocation: Invocation, on channel: any Channel) {
        let headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.requestId),
            ("Lambda-Runtime-Deadline-Ms", String(invocation.deadlineEpochMs)),
            ("Lambda-Runtime-Invoked-Function-Arn", functionARN),
            ("Lambda-Runtime-Trace-Id", TraceID.make()),
        ]
        RuntimeAPIHandler.send(.event(invocation.payload, headers: headers), on: channel)
    }
}
