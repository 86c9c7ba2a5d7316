import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin surface under `/_emulator/`, answered to loopback callers only.
struct AdminEndpoints: Sendable {
    let manager: InstanceManager
    /// The current database mode, for `stats.mode`.
    let mode: @Sendable () -> String
    /// Further sections of the stats (pool, database).
    let sections: @Sendable () async -> [String: any Sendable]

    func respond(to request: Request, context: FrontDoorContext) async -> Response {
        guard context.isLoopback else {
            return FunctionResponse.json(.forbidden, ["message": "the admin surface answers loopback callers only"])
        }
        switch (request.method, request.uri.path) {
        case (.get, "/_emulator/stats"):
            return await stats()
        default:
            return FunctionResponse.json(.notFound, ["message": "no admin endpoint \(request.method.rawValue) \(request.uri.path)"])
        }
    }

    private func stats() async -> Response {
        var functions: [String: Any] = [:]
        for (name, snapshot) in manager.snapshot() {
            functions[name] = [
                "instances": [
                    "total": snapshot.instances.total, "busy": snapshot.instances.busy,
                    "idle": snapshot.instances.idle, "starting": snapshot.instances.starting,
                ],
                "invocations": snapshot.counters.invocations,
                "coldStarts": snapshot.counters.coldStarts,
                "errors": snapshot.counters.errors,
                "throttles": snapshot.counters.throttles,
                "timeouts": snapshot.counters.timeouts,
                "crashes": snapshot.counters.crashes,
                "latency": [
                    "p50Ms": snapshot.latency.p50Ms as Any, "p95Ms": snapshot.latency.p95Ms as Any,
                    "p99Ms": snapshot.latency.p99Ms as Any,
                ].compactMapValues { $0 as? Double },
            ] as [String: Any]
        }
        var body: [String: Any] = ["mode": mode(), "functions": functions]
        for (name, section) in await sections() { body[name] = section }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
