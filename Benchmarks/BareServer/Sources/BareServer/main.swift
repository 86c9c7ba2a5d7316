import Hummingbird

// Usage: BareServer PORT PATH BODY — answers GET PATH with BODY as application/json.
let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[1]) else {
    fatalError("usage: BareServer PORT PATH BODY")
}
let body = ByteBuffer(string: arguments[3])
let router = Router()
router.get(RouterPath(arguments[2])) { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
