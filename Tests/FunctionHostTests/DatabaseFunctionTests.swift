import Foundation
import Logging
import ManagedPostgres
import Testing
import TestSupport

/// The example functions `users` and `orders` (the real products, linked
/// against FunctionDatabase) served by the real host, against a managed
/// PostgreSQL set up by the project's `database/setup.sql`.
@Suite struct DatabaseFunctionTests {
    /// The project's setup SQL: the schema and sample rows the examples read.
    static let setupSQL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("database/setup.sql").path

    @Test func usersListsTheFirstPageOfTheSetupRows() async throws {
        let served = try await ServedDatabase.start(functions: ["users": ["environment": ["PAGE_SIZE": "3"]]])
        let (status, body, headers) = try await served.host.request("GET", "/users")
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        #expect(headers["content-type"] == "application/json")
        let users = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        #expect(users.map { $0["id"] as? Int } == [1, 2, 3])
        #expect(users.first?["name"] as? String == "Grace Hopper")
        #expect(users.first?["email"] as? String == "user1@example.com")
    }

    @Test func aWarmInstanceKeepsItsConnectionWhileAPerInvocationOneIsClosed() async throws {
        let served = try await ServedDatabase.start(functions: ["users": [:], "orders": [:]], mode: "direct")
        let host = served.host

        #expect(try await host.request("GET", "/users").status == 200)
        let first = try await served.backends(of: "users")
        #expect(first.count == 1, "one connection, named after the instance: \(first)")
        #expect(try await host.request("GET", "/users").status == 200)
        #expect(try await host.instances("users") == 1)
        #expect(try await served.backends(of: "users") == first, "the warm instance reused its connection")

        let order = Data(#"{"userId": 7, "amount": 1}"#.utf8)
        #expect(try await host.request("POST", "/orders?pattern=per-invocation", body: order).status == 201)
        #expect(try await HostProcess.eventually { try await served.backends(of: "orders").isEmpty },
                "the per-invocation connection is closed after the invocation")
        #expect(try await host.instances("orders") == 1)

        #expect(try await host.request("POST", "/orders", body: order).status == 201)
        #expect(try await served.backends(of: "orders").count == 1, "the global client keeps its connection")
        #expect(try await served.backends(of: "users") == first)
    }

    @Test func aLostConnectionIsReplacedOnTheNextInvocation() async throws {
        let served = try await ServedDatabase.start(functions: ["users": [:]], mode: "direct")
        #expect(try await served.host.request("GET", "/users").status == 200)
        let lost = try await served.backends(of: "users")
        _ = try await served.superuserQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'users/%'")
        #expect(try await HostProcess.eventually { try await served.backends(of: "users").isEmpty })

        let (status, body, _) = try await served.host.request("GET", "/users")
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        let replaced = try await served.backends(of: "users")
        #expect(replaced.count == 1 && replaced != lost)
        #expect(try await served.host.instances("users") == 1, "the same instance reconnected")
    }

    @Test func anOrderAndItsChargeCommitTogetherWithEitherPattern() async throws {
        let served = try await ServedDatabase.start(functions: ["orders": [:]])
        let global = try await served.host.json("POST", "/orders", body: Data(#"{"userId": 1, "amount": 12.5}"#.utf8))
        #expect(global.status == 201)
        #expect(global.object["userId"] as? Int == 1)
        #expect(global.object["amount"] as? Double == 12.5)
        #expect(global.object["balance"] as? Double == 87.5)
        #expect(global.object["orderCount"] as? Int == 1)

        let perInvocation = try await served.host.json(
            "POST", "/orders?pattern=per-invocation", body: Data(#"{"userId": 1, "amount": 2.25}"#.utf8))
        #expect(perInvocation.status == 201)
        #expect(perInvocation.object["balance"] as? Double == 85.25)
        #expect(perInvocation.object["orderCount"] as? Int == 2)

        #expect(try await served.superuserQuery("SELECT count(*), sum(amount) FROM orders WHERE user_id = 1") == "2|14.75")
        #expect(try await served.superuserQuery("SELECT balance, order_count FROM users WHERE id = 1") == "85.25|2")
    }

    @Test func anOrderTheBalanceCannotCoverRollsBackItsInsert() async throws {
        let served = try await ServedDatabase.start(functions: ["orders": [:]])
        let (status, body, _) = try await served.host.request("POST", "/orders", body: Data(#"{"userId": 2, "amount": 100.01}"#.utf8))
        #expect(status == 409, "\(String(decoding: body, as: UTF8.self))")
        #expect(try await served.superuserQuery("SELECT count(*) FROM orders") == "0")
        #expect(try await served.superuserQuery("SELECT balance, order_count FROM users WHERE id = 2") == "100.00|0")

        // The kept connection is fine after the rollback; the identity value the
        // rolled-back insert took stays used, which shows the insert did run.
        let next = try await served.host.json("POST", "/orders", body: Data(#"{"userId": 2, "amount": 100}"#.utf8))
        #expect(next.status == 201)
        #expect(next.object["id"] as? Int == 2)
        #expect(next.object["balance"] as? Double == 0)
        #expect(try await served.superuserQuery("SELECT count(*) FROM orders") == "1")
    }

    @Test func badOrdersAreRefusedAndADatabaseErrorIsA502NamingItsSQLSTATE() async throws {
        let served = try await ServedDatabase.start(functions: ["orders": [:]])
        for body in ["not json", "", #"{"userId": "one", "amount": 1}"#, #"{"userId": 1}"#, #"{"userId": 1, "amount": -5}"#] {
            let (status, _, _) = try await served.host.request("POST", "/orders", body: Data(body.utf8))
            #expect(status == 400, "\(body)")
        }
        #expect(try await served.host.request("POST", "/orders", body: Data(#"{"userId": 9999, "amount": 1}"#.utf8)).status == 404)

        let (status, body, headers) = try await served.host.request("POST", "/orders", body: Data(#"{"userId": 1, "amount": 1e12}"#.utf8))
        #expect(status == 502)
        let error = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect(error?["errorType"] as? String == "DatabaseError")
        #expect(error?["errorMessage"] as? String == "numeric field overflow (SQLSTATE 22003)")
        #expect(headers["x-emulator-failure"] == "sqlstate-22003")
        #expect(try await served.superuserQuery("SELECT count(*) FROM orders") == "0")
    }

    @Test func aConnectionTheServerRefusesIsA502NamingItsSQLSTATEAndTheNextUseRetries() async throws {
        let served = try await ServedDatabase.start(functions: ["users": [:]], mode: "direct")
        _ = try await served.superuserQuery("ALTER ROLE app CONNECTION LIMIT 0")
        let (status, body, headers) = try await served.host.request("GET", "/users")
        #expect(status == 502)
        let error = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect(error?["errorType"] as? String == "DatabaseError")
        #expect(error?["errorMessage"] as? String == #"too many connections for role "app" (SQLSTATE 53300)"#)
        #expect(headers["x-emulator-failure"] == "sqlstate-53300")

        _ = try await served.superuserQuery("ALTER ROLE app CONNECTION LIMIT -1")
        #expect(try await served.host.request("GET", "/users").status == 200)
        #expect(try await served.host.instances("users") == 1, "the instance whose connection failed to open opened one now")
    }

    @Test func withoutADatabaseURLTheFunctionFailsWithAClearMessage() async throws {
        let project = try TestProject(
            functions: ["users": [:]], swiftFunctions: ["users"], extra: ["apiGateway": ["errorDetailsInBody": true]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, object) = try await host.json("GET", "/users")
        #expect(status == 502)
        #expect(object["errorType"] as? String == "DatabaseError")
        #expect((object["errorMessage"] as? String)?.hasPrefix("DATABASE_URL is not set") == true, "\(object)")
    }

    @Test func anUnreachableDatabaseIsA502NamingItsAddress() async throws {
        let deadPort = try freePort()
        let project = try TestProject(
            functions: ["users": [:]], swiftFunctions: ["users"],
            extra: [
                "mode": "direct",
                "database": ["url": "postgresql://app:s3cret@127.0.0.1:\(deadPort)/app"],
                "pool": ["port": try freePort()],
                "apiGateway": ["errorDetailsInBody": true],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, object) = try await host.json("GET", "/users")
        #expect(status == 502)
        #expect(object["errorMessage"] as? String == "cannot connect to the database at 127.0.0.1:\(deadPort): Connection refused")
    }
}

/// A host serving some of the example functions, in pooled or direct mode,
/// with a managed PostgreSQL of its own that the setup SQL filled.
private struct ServedDatabase {
    let project: TestProject
    let host: HostProcess
    let superuser: DatabaseCredentials

    static func start(functions: [String: [String: Any]], mode: String = "pooled") async throws -> ServedDatabase {
        let databasePort = try freePort()
        let project = try TestProject(
            functions: functions, swiftFunctions: Set(functions.keys),
            extra: [
                "mode": mode,
                "database": [
                    "managed": ["port": databasePort, "maxConnections": 20],
                    "setup": DatabaseFunctionTests.setupSQL,
                ],
                "pool": ["port": try freePort(), "maxServerConnections": 2],
                // The tests read the functions' errors from the 502 bodies.
                "apiGateway": ["errorDetailsInBody": true],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let managed = ManagedPostgres(
            configuration: ManagedPostgresConfiguration(
                stateDirectory: project.directory + "/.emulator/postgres", port: databasePort, maxConnections: 20),
            logger: Logger(label: "DatabaseFunctionTests"))
        let endpoints = try #require(try managed.storedEndpoints())
        return ServedDatabase(project: project, host: host, superuser: endpoints.superuser)
    }

    /// Runs `sql` as the superuser, in database `app`.
    func superuserQuery(_ sql: String) async throws -> String {
        var credentials = superuser
        credentials.database = "app"
        return try await psql(sql, credentials: credentials)
    }

    /// The process ids of the database backends whose application name says
    /// they belong to an instance of `function`.
    func backends(of function: String) async throws -> [Int] {
        let pids = try await superuserQuery(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE '\(function)/%' ORDER BY pid")
        return pids.split(separator: "\n").compactMap { Int($0) }
    }
}
