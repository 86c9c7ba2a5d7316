import Foundation
import FunctionDatabase
import FunctionKit

// GET /users-http: the same page of users as GET /users, but the way an edge
// function reaches PostgreSQL: by SQL over HTTP, without holding a database
// connection.
//
// The code is the same one-line query as in `users`. What differs is the
// function's runtime.json entry, `"database": "http"`: its instances get
// DATABASE_TRANSPORT=http, so `Database.shared` POSTs each query to the
// emulator's SQL-over-HTTP endpoint (DATABASE_HTTP_URL, Neon's serverless
// driver protocol), which runs it through the pool. Compare the three ways
// with `emulator storm GET /users-http --compare`.

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
