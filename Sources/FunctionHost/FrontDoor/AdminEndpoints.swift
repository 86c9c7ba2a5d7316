import EmulatorConfig
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// The admin surface under `/_emulator/`, answered to loopback callers only:
/// the dashboard, the stats (JSON, live events, Prometheus), the mode switch
/// and the storms started from the page.
struct AdminEndpoints: Sendable {
    let manager: InstanceManager
    let live: LiveStats
    let storm: StormControl
    /// The Prometheus registry swift-metrics writes to; nil when the process did not bootstrap one.
    let metrics: PrometheusCollectorRegistry?
    let gauges: StateGauges
    let collect: @Sendable () async -> HostStats

    /// Every endpoint by path, with its methods.
    private static let endpoints: [String: Set<HTTPRequest.Method>] = [
        "/_emulator": [.get], "/_emulator/": [.get], "/_emulator/dashboard.css": [.get], "/_emulator/dashboard.js": [.get],
        "/_emulator/stats": [.get], "/_emulator/events": [.get], "/_emulator/metrics": [.get],
        "/_emulator/mode": [.post], "/_emulator/storm": [.get, .post],
    ]

    func respond(to request: Request, context: FrontDoorContext) async -> Response {
        guard context.isLoopback else {
            return FunctionResponse.json(.forbidden, ["message": "the admin surface answers loopback callers only"])
        }
        let path = request.uri.path
        guard let methods = Self.endpoints[path] else {
            return FunctionResponse.json(.notFound, ["message": "no admin endpoint \(request.method.rawValue) \(path)"])
        }
        guard methods.contains(request.method) else {
            var response = FunctionResponse.json(
                .methodNotAllowed, ["message": "\(path) answers \(methods.map(\.rawValue).sorted().joined(separator: ", ")), not \(request.method.rawValue)"])
            response.headers[.allow] = methods.map(\.rawValue).sorted().joined(separator: ", ")
            return response
        }
        switch (request.method, path) {
        case (.get, "/_emulator"), (.get, "/_emulator/"):
            return serve(DashboardPage.page)
        case (.get, "/_emulator/dashboard.css"):
            return serve(DashboardPage.style)
        case (.get, "/_emulator/dashboard.js"):
            return serve(DashboardPage.script)
        case (.get, "/_emulator/stats"):
            return Self.json(.ok, await collect().json)
        case (.get, "/_emulator/events"):
            return events()
        case (.get, "/_emulator/metrics"):
            return await prometheus()
        case (.post, "/_emulator/mode"):
            return await switchMode(request)
        case (.get, "/_emulator/storm"):
            return Self.json(.ok, storm.json)
        default:
            return await startStorm(request)
        }
    }

    private func serve(_ asset: DashboardPage.Asset) -> Response {
        Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: asset.bytes))
    }

    /// `GET /_emulator/events`: Server-Sent Events, `event: history` first, then a snapshot every tick.
    private func events() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody(asyncSequence: live.events()))
    }

    /// `GET /_emulator/metrics`: the Prometheus text format, gauges set from the stats of now.
    private func prometheus() async -> Response {
        guard let metrics else {
            return FunctionResponse.json(.notFound, ["message": "this host runs without metrics"])
        }
        gauges.update(from: await collect())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }

    /// `POST /_emulator/mode {"mode": "pooled"|"direct"|"http"}`: new invocations use the
    /// new URL; warm instances are recycled (also when the mode does not change,
    /// so a storm can start from cold instances).
    private func switchMode(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: 64 * 1024),
              let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
              let name = object["mode"] as? String, let mode = DatabaseMode(rawValue: name)
        else {
            let modes = DatabaseMode.allCases.map { #"{"mode": "\#($0.rawValue)"}"# }
            return FunctionResponse.json(
                .badRequest, ["message": "expected a JSON body " + modes.dropLast().joined(separator: ", ") + " or " + modes.last!])
        }
        do {
            let (previous, recycled) = try manager.switchMode(to: mode)
            return Self.json(.ok, ["mode": mode.rawValue, "previous": previous.rawValue, "recycledInstances": recycled])
        } catch {
            return FunctionResponse.json(.conflict, ["message": "there is no database to switch: runtime.json has \"database\": null or the database did not start"])
        }
    }

    /// `POST /_emulator/storm {"method", "path", "concurrency", "requests", "compare"}`:
    /// 202 and the storm's status; 400 for a bad body or a path no function serves, 409 while one runs.
    private func startStorm(_ request: Request) async -> Response {
        var request = request
        let storm: StormRequest
        do {
            let body = try await request.collectBody(upTo: 64 * 1024)
            storm = try StormRequest(json: Data(body.readableBytesView))
        } catch let invalid as StormRequest.Invalid {
            return FunctionResponse.json(.badRequest, ["message": invalid.message])
        } catch {
            return FunctionResponse.json(.badRequest, ["message": "the body is larger than 64 KB"])
        }
        guard manager.functions.match(method: storm.method, path: String(storm.path.prefix { $0 != "?" })) != nil else {
            return FunctionResponse.json(.badRequest, ["message": "no function serves \(storm.method) \(storm.path)"])
        }
        do {
            try await self.storm.start(storm)
            return Self.json(.accepted, self.storm.json)
        } catch {
            switch error {
            case .busy:
                return FunctionResponse.json(.conflict, ["message": "a storm is running; wait for it to finish (GET /_emulator/storm)"])
            case .unavailable:
                return FunctionResponse.json(.serviceUnavailable, ["message": "this host cannot start storms"])
            case .spawnFailed(let reason):
                return FunctionResponse.json(.internalServerError, ["message": "the storm could not be started: \(reason)"])
            }
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
