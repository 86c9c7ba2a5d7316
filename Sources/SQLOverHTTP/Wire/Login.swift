/// Who logs in to the pool, taken from a request's connection string.
struct Login: Sendable, Hashable {
    var user: String
    var password: String
    var database: String
}
