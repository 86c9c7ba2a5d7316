import Foundation
import NIOCore
import NIOHTTP1

/// The emulator's admin surface as a storm uses it: the stats and the mode
/// switch, over one keep-alive connection (reopened when needed).
actor AdminClient {
    /// What answers at a target.
    enum Probe: Sendable {
        /// An emulator, with its stats.
        case emulator(EmulatorStats)
        /// Nothing: the connection failed for this reason.
        case nothing(String)
        /// Something that is not an emulator, described.
        case somethingElse(String)
    }

    let target: StormTarget
    private var connection: HTTPConnection?

    init(target: StormTarget) {
        self.target = target
    }

    /// Whether an emulator answers `GET /_emulator/stats` at the target.
    func probe() async -> Probe {
        do {
            return .emulator(try await stats())
        } catch HTTPConnectionError.cannotConnect(let reason) {
            return .nothing(reason)
        } catch {
            return .somethingElse("\(error)")
        }
    }

    /// The current stats.
    func stats() async throws -> EmulatorStats {
        let reply = try await send(.GET, "/_emulator/stats", timeout: .seconds(10))
        guard reply.status == 200 else {
            throw CommandError("GET /_emulator/stats at \(target) answered \(reply.status), not the emulator's stats")
        }
        return try EmulatorStats(json: reply.body)
    }

    /// Switches the database mode (`pooled` or `direct`); the host recycles
    /// its warm instances. Throws with the host's message when it refuses.
    func switchMode(to mode: String) async throws {
        let body = ByteBuffer(string: #"{"mode":"\#(mode)"}"#)
        let reply = try await send(.POST, "/_emulator/mode", body: body, timeout: .seconds(60))
        guard reply.status == 200 else {
            let object = (try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView))) as? [String: Any]
            let message = object?["message"] as? String ?? String(buffer: reply.body)
            throw CommandError("cannot switch the emulator at \(target) to \(mode) mode: \(message) (POST /_emulator/mode answered \(reply.status))")
        }
    }

    /// Closes the connection.
    func close() async {
        await connection?.close()
        connection = nil
    }

    private func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, timeout: TimeAmount) async throws -> HTTPReply {
        let open: HTTPConnection
        if let connection, connection.isOpen {
            open = connection
        } else {
            await connection?.close()
            open = try await HTTPConnection.connect(to: target, timeout: .seconds(5))
            connection = open
        }
        do {
            return try await open.send(method, path, body: body, timeout: timeout)
        } catch {
            await open.close()
            connection = nil
            throw error
        }
    }
}
