import FunctionDatabase
import FunctionKit

// POST /orders {"userId": 1, "amount": 12.5}: records an order and charges the
// user's balance in one transaction, and answers 201 with the new order.
//
// Both statements commit together or not at all: when the balance cannot
// cover the order, the second statement breaks the balance's CHECK
// constraint, the transaction rolls back (the order inserted by the first
// statement disappears with it) and the caller gets 409. An unknown user
// gets 404. Any other database error is thrown, and reaches the caller as a
// 502 naming its SQLSTATE (try an amount of 1e12: numeric field overflow).
//
// `?pattern=per-invocation` runs the same transaction on a connection opened
// for this request and closed after it, instead of the instance's kept one,
// so the two patterns can be compared.

/// The request body.
struct NewOrder: Decodable {
    var userId: Int
    var amount: Double
}

/// The response body: the order, and the user's balance and order count after it.
struct PlacedOrder: Encodable {
    var id: Int
    var userId: Int
    var amount: Double
    var balance: Double
    var orderCount: Int
}

/// The order names no existing user.
struct UnknownUser: Error {}

/// SQLSTATE check_violation: the balance would drop below zero.
let checkViolation = "23514"
/// SQLSTATE foreign_key_violation: the order's user does not exist.
let foreignKeyViolation = "23503"

/// Inserts the order and charges the user: call it inside a transaction.
func place(_ order: NewOrder, on connection: DatabaseConnection) async throws -> PlacedOrder {
    let inserted = try await connection.query("""
        INSERT INTO orders (user_id, amount) VALUES (\(order.userId), \(order.amount)::numeric(12, 2))
        RETURNING id, amount::float8
        """)
    let charged = try await connection.query("""
        UPDATE users SET balance = balance - \(order.amount)::numeric(12, 2), order_count = order_count + 1
        WHERE id = \(order.userId)
        RETURNING balance::float8, order_count
        """)
    guard let insertedRow = inserted.first, let chargedRow = charged.first else { throw UnknownUser() }
    let (id, amount) = try insertedRow.decode((Int, Double).self)
    let (balance, orderCount) = try chargedRow.decode((Double, Int).self)
    return PlacedOrder(id: id, userId: order.userId, amount: amount, balance: balance, orderCount: orderCount)
}

await FunctionRuntime.serve { (request: HTTPRequest, context: Context) in
    let order: NewOrder
    do {
        order = try request.decodeBody()
    } catch {
        return .text("expected a JSON body like {\"userId\": 1, \"amount\": 12.5}\n", statusCode: 400)
    }
    guard order.amount > 0, order.amount.isFinite else {
        return .text("amount must be a positive number\n", statusCode: 400)
    }
    do {
        let placed = request.query("pattern") == "per-invocation"
            ? try await Database.withConnection { connection in
                try await connection.transaction { try await place(order, on: $0) }
            }
            : try await Database.shared.transaction { try await place(order, on: $0) }
        return try .json(placed, statusCode: 201)
    } catch let error as DatabaseError where error.sqlState == checkViolation {
        return .text("the balance of user \(order.userId) does not cover \(order.amount)\n", statusCode: 409)
    } catch let error as DatabaseError where error.sqlState == foreignKeyViolation {
        return .text("no user \(order.userId)\n", statusCode: 404)
    } catch is UnknownUser {
        return .text("no user \(order.userId)\n", statusCode: 404)
    }
}
