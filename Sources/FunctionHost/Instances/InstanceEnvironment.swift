import EmulatorConfig
import Foundation

/// The environment an instance starts with, exactly as the contract says:
/// the Lambda variables, the function's own `environment`, the database
/// variables when there is a database (`DATABASE_URL`, `DATABASE_TRANSPORT`,
/// and `DATABASE_HTTP_URL` when the SQL-over-HTTP endpoint runs), and of the
/// host's only `PATH`, `HOME` and `LANG`.
enum InstanceEnvironment {
    /// Variables passed through from the host.
    static let inherited = ["PATH", "HOME", "LANG"]

    static func make(
        for function: FunctionDefinition,
        instanceID: String,
        runtimeAPI: String,
        database: DatabaseAccess?,
        host: [String: String]
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for name in inherited { environment[name] = host[name] }
        for (name, value) in function.settings.environment { environment[name] = value }
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let day = String(format: "%04d/%02d/%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        environment["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.settings.memoryMB)
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = "\(day)/[$LATEST]\(instanceID)"
        environment["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI
        environment["AWS_REGION"] = "us-east-1"
        environment["TZ"] = ":UTC"
        environment["LAMBDA_TASK_ROOT"] = function.directory
        environment["_HANDLER"] = function.settings.handler ?? function.name
        if let database { environment.merge(database.environment) { _, new in new } }
        return environment
    }
}
