import Foundation
import FunctionDatabase
import FunctionKit

// GET /users: the first page of users, as a JSON array.
//
// It uses the "global client": `Database.shared` opens one connection on the
// first invocation and every later invocation of this instance reuses it. That
// saves a connect per request, but each instance still holds a connection of
// its own: in direct mode, many concurrent requests mean many instances and as
// many database connections (see `emulator storm GET /users --compare`).

/// One user, as the response lists it.
struct User: Encodable {
    var id: Int
    var name: String
    var email: String
}

/// How many users a page lists: `PAGE_SIZE` from runtime.json, 10 without it.
let pageSize = ProcessInfo.processInfo.environment["PAGE_SIZE"].flatMap { Int($0) } ?? 10

await FunctionRuntime.serve { (request: HTTPRequest, context: Context) in
    let rows = try await Database.shared.query("SELECT id, name, email FROM users ORDER BY id LIMIT \(pageSize)")
    let users = try rows.map { row in
        let (id, name, email) = try row.decode((Int, String, String).self)
        return User(id: id, name: name, email: email)
    }
    return try HTTPResponse.json(users)
}
