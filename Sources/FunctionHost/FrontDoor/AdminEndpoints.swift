import EmulatorConfig
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin surface under `/_emulator/`, answered to loopback callers only.
struct AdminEndpoints: Sendable {
    let manager: InstanceManager
    /// Further sections of the stats (pool, database).
    let sections: @Sendable () async -> [String: any Sendable]

    func respond(to request: Request, context: FrontDoorContext) async -> Response {
        guard context.isLoopback else {
            return FunctionResponse.json(.forbidden, ["message": "the admin surface answers loopback callers only"])
        }
        switch (request.method, request.uri.path) {
        case (.get, "/_emulator/stats"):
            return await stats()
        case (.post, "/_emulator/mode"):
            return await switchMode(request)
        default:
            return FunctionResponse.json(.notFound, ["message": "no admin endpoint \(request.method.rawValue) \(request.uri.path)"])
        }
    }

    /// `POST /_emulator/mode {"mode": "pooled"|"direct"}`: new invocations use the
    /// new URL; warm instances are recycled (also when the mode does not change,
    /// so a storm can start from cold instances).
    private func switchMode(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 * 1024),
              let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
              let name = object["mode"] as? String, let mode = DatabaseMode(rawValue: name)
        else {
            return FunctionResponse.json(.badRequest, ["message": #"expected a JSON body {"mode": "pooled"} or {"mode": "direct"}"#])
        }
        do {
            let (previous, recycled) = try manager.switchMode(to: mode)
            return Self.json(.ok, ["mode": mode.rawValue, "previous": previous.rawValue, "recycledInstances": recycled])
        } catch {
            return FunctionResponse.json(.conflict, ["message": "there is no database to switch: runtime.json has \"database\": null or the database did not start"])
        }
    }

    private func stats() async -> Response {
        var functions: [String: Any] = [:]
        for (name, snapshot) in manager.snapshot() {
            functions[name] = [
                "instances": [
                    "total": snapshot.instances.total, "busy": snapshot.instances.busy,
                    "idle": snapshot.instances.idle, "starting": snapshot.instances.starting,
                    "frozen": snapshot.instances.frozen,
                ],
                "instanceList": snapshot.instanceList.map { instance -> [String: Any] in
                    var entry: [String: Any] = ["id": instance.id, "state": instance.state]
                    if let idle = instance.idleMilliseconds { entry["idleMs"] = idle }
                    return entry
                },
                "invocations": snapshot.counters.invocations,
                "coldStarts": snapshot.counters.coldStarts,
                "errors": snapshot.counters.errors,
                "throttles": snapshot.counters.throttles,
                "timeouts": snapshot.counters.timeouts,
                "crashes": snapshot.counters.crashes,
                "failuresByCause": Dictionary(
                    uniqueKeysWithValues: snapshot.counters.failuresByCause.map { ($0.key.description, $0.value) }),
                "latency": [
                    "p50Ms": snapshot.latency.p50Ms as Any, "p95Ms": snapshot.latency.p95Ms as Any,
                    "p99Ms": snapshot.latency.p99Ms as Any,
                ].compactMapValues { $0 as? Double },
            ] as [String: Any]
        }
        var body: [String: Any] = ["mode": manager.mode.rawValue, "functions": functions]
        for (name, section) in await sections() { body[name] = section }
        return Self.json(.ok, body)
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
