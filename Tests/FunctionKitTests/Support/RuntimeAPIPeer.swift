import NIOCore
import NIOHTTP1
import NIOPosix

/// A real Lambda Runtime API endpoint on a loopback port, standing in for the
/// host: it hands out queued events to `GET .../invocation/next` (holding the
/// long poll until there is one), accepts posts with 202, and records every
/// request together with the connection it came on.
actor RuntimeAPIPeer {
    /// A request a function made.
    struct Request: Sendable {
        /// Which accepted connection carried it, counting from 1.
        var connection: Int
        var method: HTTPMethod
        var path: String
        var headers: HTTPHeaders
        var body: String
    }

    /// Why a wait for a request ended without one.
    struct Abandoned: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    private struct Event {
        var requestID: String
        var body: String
        var headers: [(String, String)]
    }

    private struct Waiter {
        var matches: @Sendable (Request) -> Bool
        var continuation: CheckedContinuation<Request, any Error>
    }

    static let base = "/2018-06-01/runtime"

    /// `AWS_LAMBDA_RUNTIME_API` for a function talking to this peer.
    nonisolated let endpoint: String
    private let group: MultiThreadedEventLoopGroup
    private let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private var serving: Task<Void, Never>?
    private var connections = 0
    private var queued: [Event] = []
    private var parkedPolls: [CheckedContinuation<Event?, Never>] = []
    private var waiters: [Waiter] = []
    private var stopped = false

    /// Every request received so far, in order.
    private(set) var requests: [Request] = []

    /// Starts listening on `127.0.0.1` at a free port.
    static func start() async throws -> RuntimeAPIPeer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        let peer = RuntimeAPIPeer(group: group, server: server)
        await peer.serve()
        return peer
    }

    private init(
        group: MultiThreadedEventLoopGroup,
        server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    ) {
        self.group = group
        self.server = server
        self.endpoint = "127.0.0.1:\(server.channel.localAddress?.port ?? 0)"
    }

    /// Queues an event and waits until the function posted its outcome
    /// (`/response` or `/error`) for it; returns that request.
    @discardableResult
    func invoke(
        _ event: String,
        requestID: String = "request-\(Int.random(in: 100_000...999_999))",
        headers: [(String, String)] = []
    ) async throws -> Request {
        enqueue(Event(requestID: requestID, body: event, headers: headers))
        let prefix = "\(Self.base)/invocation/\(requestID)/"
        return try await request { $0.method == .POST && $0.path.hasPrefix(prefix) }
    }

    /// Waits for the first request (already received or still to come) that `matches`.
    func request(where matches: @escaping @Sendable (Request) -> Bool) async throws -> Request {
        if let request = requests.first(where: matches) {
            return request
        }
        if stopped {
            throw Abandoned(reason: "the peer was stopped")
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiters.append(Waiter(matches: matches, continuation: continuation))
        }
    }

    /// Ends every wait that is still open, e.g. because the function exited.
    func abandonWaits(_ reason: String) {
        let waiting = waiters
        waiters = []
        for waiter in waiting {
            waiter.continuation.resume(throwing: Abandoned(reason: reason))
        }
    }

    /// Closes the listener and every connection, ending long polls without an answer.
    func stop() async {
        guard !stopped else { return }
        stopped = true
        abandonWaits("the peer was stopped")
        let polls = parkedPolls
        parkedPolls = []
        for poll in polls {
            poll.resume(returning: nil)
        }
        try? await server.channel.close()
        await serving?.value
        try? await group.shutdownGracefully()
    }

    private func serve() {
        let server = self.server
        serving = Task {
            try? await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        let number = self.nextConnectionNumber()
                        group.addTask { await self.handle(connection, number: number) }
                    }
                }
            }
        }
    }

    private func nextConnectionNumber() -> Int {
        connections += 1
        return connections
    }

    private nonisolated func handle(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        number: Int
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let head else { continue }
                    let request = Request(
                        connection: number, method: head.method, path: head.uri,
                        headers: head.headers, body: String(buffer: body)
                    )
                    guard let (status, headers, replyBody) = await self.reply(to: request) else {
                        return
                    }
                    var responseHead = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
                    responseHead.headers.add(name: "Content-Length", value: String(replyBody.utf8.count))
                    try await outbound.write(.head(responseHead))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: replyBody))))
                    try await outbound.write(.end(nil))
                }
            }
        }
    }

    /// The answer to `request`, or `nil` to close the connection without one.
    private func reply(to request: Request) async -> (HTTPResponseStatus, HTTPHeaders, String)? {
        record(request)
        guard request.method == .GET, request.path == "\(Self.base)/invocation/next" else {
            return (.accepted, ["Content-Type": "application/json"], #"{"status":"OK"}"#)
        }
        guard let event = await nextEvent() else { return nil }
        var headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": event.requestID,
            "Lambda-Runtime-Deadline-Ms": "4102444800000",
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:test",
        ]
        headers.add(contentsOf: event.headers)
        return (.ok, headers, event.body)
    }

    private func record(_ request: Request) {
        requests.append(request)
        var stillWaiting: [Waiter] = []
        for waiter in waiters {
            if waiter.matches(request) {
                waiter.continuation.resume(returning: request)
            } else {
                stillWaiting.append(waiter)
            }
        }
        waiters = stillWaiting
    }

    private func enqueue(_ event: Event) {
        if parkedPolls.isEmpty {
            queued.append(event)
        } else {
            parkedPolls.removeFirst().resume(returning: event)
        }
    }

    private func nextEvent() async -> Event? {
        if !queued.isEmpty {
            return queued.removeFirst()
        }
        if stopped { return nil }
        return await withCheckedContinuation { parkedPolls.append($0) }
    }
}
